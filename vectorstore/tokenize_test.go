package vectorstore

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"The Flows of Heated Gases", []string{"flow", "heat", "gase"}},
		{"http.createServer()", []string{"http", "createserv", "creat", "server"}},
		{"XMLHttpRequest", []string{"xmlhttprequest", "xml", "http", "request"}},
		{"base64Encode and utf8", []string{"base64encode", "base64", "encod", "utf8"}},
		{"toString", []string{"tostr", "string"}},            // "to" is a stopword
		{"iOS eBay xValue", []string{"io", "ebai", "xvalu"}}, // no one-letter words
		{"IPv6 HTTP2", []string{"ipv6", "http2"}},            // no lower-to-upper change
		{"snake_case", []string{"snake", "case"}},            // underscores separate
		{"ÉcoleNormale", []string{"écolenormale", "école", "normal"}},
		{"GOPATH", []string{"gopath"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Terms(tt.text)); diff != "" {
			t.Errorf("Terms(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

// TestTokenSpans: each term's span is the run, or the part of it, it
// comes from.
func TestTokenSpans(t *testing.T) {
	text := "Use http.createServer, then XMLHttpRequest."
	var got []string
	tokenSpans(text, func(term string, start, end int) { got = append(got, term+"="+text[start:end]) })
	want := []string{"us=Use", "http=http", "createserv=createServer", "creat=create", "server=Server",
		"xmlhttprequest=XMLHttpRequest", "xml=XML", "http=Http", "request=Request"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}
