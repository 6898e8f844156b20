// Package responses is agentloop's client for the OpenAI Responses API
// (POST /v1/responses) and for OpenAI-compatible gateways such as New API and
// One API. It uses the standard library only.
//
// The types mirror the wire format with the JSON names used on the wire.
// Every [Item] decoded from a response keeps its bytes and is sent back
// exactly as received, so history replays byte for byte and item kinds or
// fields this package does not know survive a round trip.
//
// # The API key
//
// A [Client] sends its key (and the headers of Options.Header) to the base
// URL's origin only. A redirect to another scheme, host or port fails the
// request before anything is sent there, whether the Client built its HTTP
// client or was given one: net/http alone would send the Authorization
// header to another port of the same host and from https to plain http,
// and any custom header anywhere. A plain-HTTP base URL must name a
// loopback host (localhost, 127.0.0.0/8, ::1) unless
// Options.AllowInsecureHTTP is set. Errors never hold the key, nor an
// "sk-…" key or a "Bearer …" token a gateway echoes back.
//
// [Client.Close] closes the idle connections of the transport the Client
// built for itself.
package responses
