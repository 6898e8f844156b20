package responsestest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

// post sends a request body to the server's /responses endpoint and
// decodes the response.
func post(srv *responsestest.Server, body string) (*responses.Response, error) {
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/responses", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := new(responses.Response)
	return r, json.NewDecoder(resp.Body).Decode(r)
}

func Example() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
	}})
	defer srv.Close()

	r, err := post(srv, `{"model":"gpt-5","input":"Weather in Paris?"}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	call := r.Output[0]
	fmt.Println(r.Status, call.Type, call.Name, call.Arguments)
	fmt.Println("violations:", srv.Err())
	// Output:
	// completed function_call get_weather {"city":"Paris"}
	// violations: <nil>
}

// A Func step computes its answer from the request.
func ExampleFunc() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			return responsestest.Reply(responsestest.Message("You said: " + r.Request.Input.Text))
		}),
	}})
	defer srv.Close()

	r, err := post(srv, `{"model":"gpt-5","input":"hello"}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.OutputText())
	// Output:
	// You said: hello
}

// A request that does not answer a call is refused, as the API refuses it,
// and recorded as a violation.
func ExampleServer_Err() {
	srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{
		responsestest.Reply(responsestest.Message("unused")),
	}})
	defer srv.Close()

	post(srv, `{"model":"gpt-5","input":[{"type":"function_call","call_id":"call_1","name":"f","arguments":"{}"}]}`) //nolint:errcheck // the error body is checked through Err
	fmt.Println(srv.Err())
	// Output:
	// responsestest: request 1: No tool output found for function_call call_1.
}
