// Package oaibench compares agentloop's responses package with the official
// SDK, github.com/openai/openai-go/v3, on the same bytes: decoding a typical
// response body, and reading a typical 57-event stream. It is a module of
// its own so that agentloop never depends on openai-go.
//
//	cd internal/oaibench && go test -run '^$' -bench . -benchmem
package oaibench
