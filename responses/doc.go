// Package responses is agentloop's client for the OpenAI Responses API
// (POST /v1/responses) and for OpenAI-compatible gateways such as New API and
// One API. It uses the standard library only.
//
// The types mirror the wire format with the JSON names used on the wire.
// Every [Item] decoded from a response keeps its bytes and is sent back
// exactly as received, so history replays byte for byte and item kinds or
// fields this package does not know survive a round trip.
package responses
