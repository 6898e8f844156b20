package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

// gatewayModel plays a model that does what the doctor's probes ask.
func gatewayModel(quirk string) func(r *responsestest.Received) responsestest.Step {
	return func(r *responsestest.Received) responsestest.Step {
		req := r.Request
		step := func() responsestest.Step {
			hasOutput, hasReasoning := false, false
			for _, it := range req.Input.Items {
				hasOutput = hasOutput || it.Type == responses.ItemFunctionCallOutput
				hasReasoning = hasReasoning || it.Type == responses.ItemReasoning
			}
			switch {
			case req.PreviousResponseID != "" && quirk == "no-previous":
				return responsestest.APIError(400, "previous_response_not_found", "Previous response with id '"+req.PreviousResponseID+"' not found.")
			case hasReasoning && quirk == "no-affinity":
				return responsestest.APIError(400, "invalid_encrypted_content", "The encrypted content for item rs_1 could not be verified.")
			case hasOutput:
				return responsestest.Reply(responsestest.Message("It is 14:05 in Paris."))
			case len(req.Tools) > 0 && req.ToolChoice != nil:
				if strings.Contains(req.Input.Text, "Tokyo") {
					return responsestest.Reply(responsestest.FunctionCall("", "get_time", `{"city":"Paris"}`),
						responsestest.FunctionCall("", "get_time", `{"city":"Tokyo"}`))
				}
				return responsestest.Reply(responsestest.FunctionCall("", "get_time", `{"city":"Paris"}`))
			case req.Text != nil && req.Text.Format != nil:
				return responsestest.Reply(responsestest.Message(`{"color":"red"}`))
			case req.Reasoning != nil:
				return responsestest.Reply(responsestest.Reasoning("", "enc-doctor"), responsestest.Message("51"))
			}
			return responsestest.Reply(responsestest.Message("OK"))
		}()
		if quirk == "cut-streams" && req.Stream {
			step = step.CutAfter(3).Done()
		}
		if quirk != "no-request-id" {
			step = step.Header("x-request-id", "req_doctor")
		}
		return step
	}
}

// gateway starts a scripted endpoint with one quirk: behind a proxy that
// answers bad keys the way the quirk says.
func gateway(t *testing.T, quirk string) string {
	t.Helper()
	srv := responsestest.NewServer(&responsestest.Options{APIKey: "sk-good", NoHistoryCheck: true, NoCompact: quirk == "no-compact",
		Fallback: gatewayModel(quirk)})
	t.Cleanup(srv.Close)
	target, _ := url.Parse(strings.TrimSuffix(srv.URL(), "/v1"))
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if quirk == "string-errors" && r.Header.Get("Authorization") != "Bearer sk-good" {
			io.Copy(io.Discard, r.Body) //nolint:errcheck // a test server
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid api key"}`)) //nolint:errcheck // a test server
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL + "/v1"
}

// TestDoctor: a clean endpoint passes every probe; each gateway quirk is
// diagnosed by the probe that meets it, with what to do.
func TestDoctor(t *testing.T) {
	cases := []struct {
		quirk string
		want  map[string]string // probe → status, for the probes that do not pass
		do    string            // advice expected in the output
	}{
		{quirk: "clean"},
		{quirk: "no-affinity", want: map[string]string{"reasoning replay (store:false)": "fail"}, do: "channel affinity"},
		{quirk: "cut-streams", want: map[string]string{"streaming": "fail"}, do: "STREAMING_TIMEOUT"},
		{quirk: "no-compact", want: map[string]string{"/responses/compact": "fail"}, do: "does not route /responses/compact"},
		{quirk: "no-previous", want: map[string]string{"previous_response_id": "fail"}, do: "stateless mode"},
		{quirk: "no-request-id", want: map[string]string{"request ids": "warn"}, do: "forward x-request-id"},
		{quirk: "string-errors", do: `{\"error\":\"text\"}`},
	}
	for _, c := range cases {
		t.Run(c.quirk, func(t *testing.T) {
			base := gateway(t, c.quirk)
			var out, errOut bytes.Buffer
			env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
				return map[string]string{"OPENAI_API_KEY": "sk-good", "OPENAI_BASE_URL": base}[k]
			}}
			code := Main(context.Background(), []string{"doctor", "--yes", "--json", "--model", "gpt-5-mini"}, env)
			var results []probeResult
			if err := json.Unmarshal(out.Bytes(), &results); err != nil {
				t.Fatalf("exit %d, output %s %s: %v", code, out.String(), errOut.String(), err)
			}
			got := map[string]string{}
			for _, r := range results {
				if r.Status != "pass" {
					got[r.Name] = r.Status
				}
			}
			want := c.want
			if want == nil {
				want = map[string]string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("probes that did not pass (-want +got):\n%s\n%s", diff, out.String())
			}
			if c.do != "" && !strings.Contains(out.String(), c.do) {
				t.Errorf("the output lacks %q:\n%s", c.do, out.String())
			}
			failing := false
			for _, s := range want {
				failing = failing || s == "fail"
			}
			if (code != 0) != failing {
				t.Errorf("exit %d", code)
			}
			if !strings.Contains(errOut.String(), "requests, at most about") {
				t.Errorf("no cost estimate before sending: %s", errOut.String())
			}
		})
	}
}

// TestDoctorAsks: without --yes, nothing is sent unless a person on a
// terminal says yes.
func TestDoctorAsks(t *testing.T) {
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		return map[string]string{"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}[k]
	}}
	if code := Main(context.Background(), []string{"doctor"}, env); code != 2 || !strings.Contains(errOut.String(), "--yes") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	env.StdinIsTerminal, env.Stdin = true, strings.NewReader("n\n")
	errOut.Reset()
	if code := Main(context.Background(), []string{"doctor"}, env); code != 1 || !strings.Contains(errOut.String(), "nothing was sent") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}
