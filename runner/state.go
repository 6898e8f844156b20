package runner

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/agentloop/agentloop/responses"
)

// StateVersion is the version of the [State] JSON format this package
// writes, and the newest it reads. Every version this package ever wrote
// stays readable; a state from a newer version is refused with
// [ErrStateVersion].
//
// Versions:
//
//	1: the first format (agentloop v0.x, December 2026).
const StateVersion = 1

// Errors of [State] and of resuming a run.
var (
	// ErrStateVersion: the state was written by a newer agentloop.
	ErrStateVersion = errors.New("runner: unsupported state version")
	// ErrStateMismatch: the state belongs to another agent, or the agent's
	// tools changed since it was saved.
	ErrStateMismatch = errors.New("runner: state does not match the agent")
	// ErrNotPending: a decision names a call that is not awaiting approval.
	ErrNotPending = errors.New("runner: call is not awaiting approval")
	// ErrStillPending: a paused run was resumed with calls still awaiting a
	// decision, so it paused again at once.
	ErrStillPending = errors.New("runner: calls still awaiting approval")
	// ErrRunFinished: the state is of a run that already ended.
	ErrRunFinished = errors.New("runner: run already finished")
)

// RunStatus says where a run stands.
type RunStatus string

// Run statuses.
const (
	// StatusRunning: the run was checkpointed while it ran, or it stopped
	// (cancelled, failed, crashed) before it ended. Resuming goes on from
	// the last recorded step.
	StatusRunning RunStatus = "running"
	// StatusPaused: the run waits for decisions on the calls awaiting
	// approval ([State.Pending]).
	StatusPaused RunStatus = "paused"
	// StatusDone: the run ended with a final output.
	StatusDone RunStatus = "done"
)

// CallStatus says where a call of the open turn stands. A call moves
// awaiting_approval → approved or rejected; approved → started → done;
// rejected → done. Nothing moves back, so a call is started at most once
// (twice only for an idempotent tool whose run stopped while it ran).
type CallStatus string

// Call statuses.
const (
	CallAwaiting CallStatus = "awaiting_approval" // waits for a person's decision
	CallApproved CallStatus = "approved"          // may run: approved, or no approval needed
	CallRejected CallStatus = "rejected"          // will not run; its output is not built yet
	CallStarted  CallStatus = "started"           // recorded as started before it ran; no output yet
	CallDone     CallStatus = "done"              // its output is known
)

// Scope is how far a [Decision] reaches.
type Scope string

// Decision scopes.
const (
	// ScopeCall: this call only (the default).
	ScopeCall Scope = ""
	// ScopeTool: this call and every later call of the same tool in this
	// run.
	ScopeTool Scope = "tool"
	// ScopeArguments: this call and every later call of the same tool with
	// the same arguments in this run.
	ScopeArguments Scope = "arguments"
)

// Decision is a person's answer to a call awaiting approval.
type Decision struct {
	// Approve runs the call; false rejects it.
	Approve bool `json:"approve"`
	// Message is told to the model: for a rejection, as the call's output;
	// for an approval, beside the output.
	Message string `json:"message,omitempty"`
	// Scope makes the decision stand for later calls of this run.
	Scope Scope `json:"scope,omitempty"`
}

// StandingDecision is a decision taken with [ScopeTool] or [ScopeArguments]:
// it decides the later calls it matches without asking. A decision on one
// call always beats a standing one.
type StandingDecision struct {
	Tool string `json:"tool"`
	// Arguments is the fingerprint of the arguments the decision is bound
	// to; empty for every call of the tool.
	Arguments string `json:"arguments,omitempty"`
	Approve   bool   `json:"approve"`
	Message   string `json:"message,omitempty"`
}

// CallRecord is the ledger entry of one call of the open turn.
type CallRecord struct {
	CallID string `json:"call_id"`
	// Type is the call item's type (function_call, custom_tool_call,
	// computer_call).
	Type string `json:"type"`
	// Tool is the tool's name ("computer" for computer calls).
	Tool string `json:"tool"`
	// Index is the call item's position in [State.History].
	Index int `json:"index"`
	// Fingerprint is a SHA-256 of the call's type, tool and arguments:
	// decisions are bound to it.
	Fingerprint string     `json:"fingerprint"`
	Status      CallStatus `json:"status"`
	// NeedsApproval is what the approval policies said of the call.
	NeedsApproval bool `json:"needs_approval,omitempty"`
	// Decision is the decision taken on the call, when it needed one.
	Decision *Decision `json:"decision,omitempty"`
	// Attempt counts the times the call was started.
	Attempt int `json:"attempt,omitempty"`
	// Error is the error the model was told as (or beside) the output.
	Error string `json:"error,omitempty"`
	// Note is told to the model beside the turn's outputs.
	Note string `json:"note,omitempty"`
	// Handoff names the agent this call hands the conversation to, once
	// the turn closes.
	Handoff string `json:"handoff,omitempty"`
	// Nested is the state of the nested run of an agent tool that paused
	// for approvals; deciding its calls on the outer state resumes it.
	Nested *State `json:"-"`

	// Output is the output item sent back, once the call is done.
	Output *responses.Item `json:"-"`
	// Extra holds the items the tool reported that are never sent upstream
	// (see tools.ExtraItemsCaller).
	Extra []responses.Item `json:"-"`
}

// Learned is what a run learned about the model and the endpoint.
type Learned struct {
	// Reasoned: a response showed reasoning, so encrypted reasoning is
	// asked for whatever the model's name suggested.
	Reasoned bool `json:"reasoned,omitempty"`
	// NoInclude: the model refused include reasoning.encrypted_content, so
	// it is never asked for again.
	NoInclude bool `json:"no_include,omitempty"`
	// StrippedReasoning: encrypted reasoning was refused once
	// (invalid_encrypted_content) and dropped from the history.
	StrippedReasoning bool `json:"stripped_reasoning,omitempty"`
}

// ToolFingerprint names a tool definition and the SHA-256 of its JSON.
type ToolFingerprint struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// State is the state of a run as plain data: what a paused run returns, what
// a [Checkpointer] saves, and what [Runner.Resume] continues from, in this
// process or another. It encodes to JSON and back without loss: every item
// keeps its bytes (see [State.MarshalJSON]).
//
// The JSON format is documented in docs/run-state.md; its compatibility
// promise is that of [StateVersion].
type State struct {
	// Version is the format version, [StateVersion] when written.
	Version int
	// RunID identifies the run across pauses, resumes and processes; tools
	// read it through tools.CallInfoFrom.
	RunID string
	// Agent is the name of the agent the run belongs to.
	Agent string
	// Tools fingerprints the agent's tool definitions, in order.
	Tools []ToolFingerprint
	// Status says whether the run is paused, running or done.
	Status RunStatus
	// Turn is the number of model calls made.
	Turn int
	// Usage sums the usage of every model call.
	Usage responses.Usage
	// CostUSD sums what the model calls cost, with a price table;
	// CostUnknown is set once a call's model had no price.
	CostUSD     float64
	CostUnknown bool
	// PreviousResponseID and ServerItems are the chained-mode cursor: the
	// last response's id, and how many items of History the server holds.
	PreviousResponseID string
	ServerItems        int
	// Conversation is the server-side conversation the run continues, if
	// any (see WithConversation).
	Conversation string
	// InputTokens and CountedItems estimate what the next request costs:
	// the tokens of the last response (input and output) and how many
	// history items they covered.
	InputTokens  int64
	CountedItems int
	// SendFrom is where a stateless request's history starts: the last
	// compaction item the server sent, which stands for the items before it.
	SendFrom int
	// TurnStart is where the last response's items start in History.
	TurnStart int
	// InSession and SessionItems: the run keeps its history in a session
	// (WithSession), which holds the first SessionItems items of History.
	InSession    bool
	SessionItems int
	// History is the conversation: the input and every item sent to or
	// received from the model, byte for byte. The outputs of the open turn
	// are in Calls until every call is done.
	History []responses.Item
	// Calls is the open turn: one record per call of the last response,
	// in order, until their outputs join History.
	Calls []CallRecord
	// Standing holds the decisions taken for the rest of the run.
	Standing []StandingDecision
	// Extra holds the items tools reported that are never sent upstream.
	Extra []responses.Item
	// Learned holds what the run learned about the model from its answers,
	// so a resumed run (or a Temporal run after continue-as-new) does not
	// learn it again at the cost of a model call.
	Learned Learned
	// Meta is the application's own data, kept with the state and never
	// read by the runner: what it needs to rebuild the agent in another
	// process, say. Keys should be namespaced ("myapp.config"). Never put
	// secrets in it.
	Meta map[string]json.RawMessage
}

// Pending returns the calls awaiting a decision, those of paused nested
// runs (agent tools) included, in order.
func (s *State) Pending() []CallRecord {
	var out []CallRecord
	for _, c := range s.Calls {
		switch {
		case c.Status != CallAwaiting:
		case c.Nested != nil:
			out = append(out, c.Nested.Pending()...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// Call returns the call item of a record, from History.
func (s *State) Call(rec *CallRecord) *responses.Item {
	if rec.Index < 0 || rec.Index >= len(s.History) {
		return nil
	}
	return &s.History[rec.Index]
}

// Approve approves the call awaiting approval with this call id.
func (s *State) Approve(callID string) error {
	return s.Decide(callID, Decision{Approve: true})
}

// Reject rejects the call awaiting approval with this call id; message is
// told to the model as the call's output.
func (s *State) Reject(callID, message string) error {
	return s.Decide(callID, Decision{Message: message})
}

// Decide records d for the call awaiting approval with this call id. With a
// scope, the decision also stands for the later calls it matches, including
// the other calls of this turn still awaiting approval. Deciding a call that
// is not awaiting approval is an [ErrNotPending] error: a decision is never
// changed.
func (s *State) Decide(callID string, d Decision) error {
	i := slices.IndexFunc(s.Calls, func(c CallRecord) bool { return c.CallID == callID })
	if i < 0 {
		// A call of a nested run (an agent tool) that paused?
		for j := range s.Calls {
			rec := &s.Calls[j]
			if rec.Nested == nil || rec.Status != CallAwaiting {
				continue
			}
			err := rec.Nested.Decide(callID, d)
			if errors.Is(err, ErrNotPending) && strings.Contains(err.Error(), "no call") {
				continue
			}
			if err == nil && len(rec.Nested.Pending()) == 0 {
				rec.Status = CallApproved // resumes the nested run
			}
			return err
		}
		return fmt.Errorf("%w: no call %q in the open turn", ErrNotPending, callID)
	}
	rec := &s.Calls[i]
	if rec.Status != CallAwaiting {
		return fmt.Errorf("%w: call %s is %s", ErrNotPending, callID, rec.Status)
	}
	switch d.Scope {
	case ScopeCall, ScopeTool, ScopeArguments:
	default:
		return fmt.Errorf("runner: decision for call %s: unknown scope %q", callID, d.Scope)
	}
	decide(rec, d)
	if d.Scope == ScopeCall {
		return nil
	}
	sd := StandingDecision{Tool: rec.Tool, Approve: d.Approve, Message: d.Message}
	if d.Scope == ScopeArguments {
		sd.Arguments = rec.Fingerprint
	}
	s.Standing = append(s.Standing, sd)
	for j := range s.Calls {
		if s.Calls[j].Status == CallAwaiting && sd.matches(&s.Calls[j]) {
			decide(&s.Calls[j], Decision{Approve: sd.Approve, Message: sd.Message})
		}
	}
	return nil
}

// decide applies d to a record awaiting approval.
func decide(rec *CallRecord, d Decision) {
	rec.Decision = &d
	if d.Approve {
		rec.Status = CallApproved
	} else {
		rec.Status = CallRejected
	}
}

// matches reports whether a standing decision decides rec.
func (sd *StandingDecision) matches(rec *CallRecord) bool {
	return sd.Tool == rec.Tool && (sd.Arguments == "" || sd.Arguments == rec.Fingerprint)
}

// standing returns the standing decision for rec: the one bound to its
// arguments first, then the one for its tool.
func (s *State) standing(rec *CallRecord) *StandingDecision {
	var byTool *StandingDecision
	for i := len(s.Standing) - 1; i >= 0; i-- {
		sd := &s.Standing[i]
		if !sd.matches(rec) {
			continue
		}
		if sd.Arguments != "" {
			return sd
		}
		if byTool == nil {
			byTool = sd
		}
	}
	return byTool
}

// newRunID returns a random run id.
func newRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "run_" + hex.EncodeToString(b[:])
}

// callFingerprint hashes what a call asks for: its type, tool and
// arguments (a custom call's input, a computer call's actions).
func callFingerprint(c *responses.Item) string {
	h := sha256.New()
	h.Write([]byte(c.Type))
	h.Write([]byte{0})
	h.Write([]byte(callName(c)))
	h.Write([]byte{0})
	switch c.Type {
	case responses.ItemFunctionCall:
		h.Write([]byte(c.Arguments))
	case responses.ItemCustomToolCall:
		h.Write([]byte(c.Input))
	case responses.ItemComputerCall:
		b, _ := json.Marshal(struct {
			A *responses.ComputerAction  `json:"action,omitempty"`
			L []responses.ComputerAction `json:"actions,omitempty"`
			S []responses.SafetyCheck    `json:"pending_safety_checks,omitempty"`
		}{c.Action, c.Actions, c.PendingSafetyChecks})
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// toolFingerprints hashes each tool definition.
func toolFingerprints(defs []responses.Tool) []ToolFingerprint {
	out := make([]ToolFingerprint, 0, len(defs))
	for _, d := range defs {
		b, _ := json.Marshal(d)
		sum := sha256.Sum256(b)
		name := d.Name
		if name == "" {
			name = d.Type
		}
		out = append(out, ToolFingerprint{Name: name, SHA256: hex.EncodeToString(sum[:])})
	}
	return out
}

// checkTools compares the saved fingerprints with the agent's tools and
// says what changed.
func checkTools(saved, now []ToolFingerprint) error {
	if slices.Equal(saved, now) {
		return nil
	}
	was := map[string]string{}
	for _, t := range saved {
		was[t.Name] = t.SHA256
	}
	is := map[string]string{}
	for _, t := range now {
		is[t.Name] = t.SHA256
	}
	var diffs []string
	for _, t := range saved {
		if h, ok := is[t.Name]; !ok {
			diffs = append(diffs, t.Name+" removed")
		} else if h != t.SHA256 {
			diffs = append(diffs, t.Name+" changed")
		}
	}
	for _, t := range now {
		if _, ok := was[t.Name]; !ok {
			diffs = append(diffs, t.Name+" added")
		}
	}
	if len(diffs) == 0 {
		diffs = append(diffs, "tools reordered")
	}
	return fmt.Errorf("%w: the agent's tools changed since the state was saved: %s", ErrStateMismatch, strings.Join(diffs, ", "))
}

// stateHeader is the JSON of a State without its items, which are written
// by hand so they keep their bytes.
type stateHeader struct {
	Version            int                        `json:"version"`
	RunID              string                     `json:"run_id"`
	Agent              string                     `json:"agent"`
	Tools              []ToolFingerprint          `json:"tools"`
	Status             RunStatus                  `json:"status"`
	Turn               int                        `json:"turn"`
	Usage              responses.Usage            `json:"usage"`
	CostUSD            float64                    `json:"cost_usd,omitempty"`
	CostUnknown        bool                       `json:"cost_unknown,omitempty"`
	PreviousResponseID string                     `json:"previous_response_id,omitempty"`
	ServerItems        int                        `json:"server_items,omitempty"`
	Conversation       string                     `json:"conversation,omitempty"`
	InputTokens        int64                      `json:"input_tokens,omitempty"`
	CountedItems       int                        `json:"counted_items,omitempty"`
	SendFrom           int                        `json:"send_from,omitempty"`
	TurnStart          int                        `json:"turn_start,omitempty"`
	InSession          bool                       `json:"in_session,omitempty"`
	SessionItems       int                        `json:"session_items,omitempty"`
	Standing           []StandingDecision         `json:"standing,omitempty"`
	Meta               map[string]json.RawMessage `json:"meta,omitempty"`
	Learned            Learned                    `json:"learned,omitzero"`
}

// MarshalJSON encodes the state. Items are written as the bytes they were
// decoded from (or as their encoding, for items built in code), so a state
// decoded again replays them byte for byte.
//
// Note that json.Marshal of a value holding a State re-compacts this output
// and escapes <, > and & in strings, which changes no value but does change
// bytes: to keep them, write the bytes of MarshalJSON itself, as
// [FileCheckpointer] does.
func (s *State) MarshalJSON() ([]byte, error) {
	h := stateHeader{Version: s.Version, RunID: s.RunID, Agent: s.Agent, Tools: s.Tools, Status: s.Status,
		Turn: s.Turn, Usage: s.Usage, CostUSD: s.CostUSD, CostUnknown: s.CostUnknown, PreviousResponseID: s.PreviousResponseID, ServerItems: s.ServerItems,
		Standing: s.Standing, Meta: s.Meta, Learned: s.Learned, Conversation: s.Conversation, InputTokens: s.InputTokens, CountedItems: s.CountedItems, SendFrom: s.SendFrom,
		TurnStart: s.TurnStart, InSession: s.InSession, SessionItems: s.SessionItems}
	if h.Version == 0 {
		h.Version = StateVersion
	}
	head, err := marshalNoEscape(h)
	if err != nil {
		return nil, fmt.Errorf("runner: encoding state: %w", err)
	}
	b := make([]byte, 0, len(head)+512*len(s.History))
	b = append(b, head[:len(head)-1]...) // without the closing brace
	b = append(b, `,"calls":[`...)
	for i := range s.Calls {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = s.Calls[i].appendJSON(b); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	if b, err = appendItems(b, "extra", s.Extra); err != nil {
		return nil, err
	}
	if b, err = appendItems(b, "history", s.History); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func (c *CallRecord) appendJSON(b []byte) ([]byte, error) {
	head, err := marshalNoEscape(c)
	if err != nil {
		return nil, fmt.Errorf("runner: encoding call %s: %w", c.CallID, err)
	}
	b = append(b, head[:len(head)-1]...)
	if c.Output != nil {
		out, err := c.Output.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("runner: encoding the output of call %s: %w", c.CallID, err)
		}
		b = append(b, `,"output":`...)
		b = append(b, out...)
	}
	if len(c.Extra) > 0 {
		if b, err = appendItems(b, "extra", c.Extra); err != nil {
			return nil, err
		}
	}
	if c.Nested != nil {
		nb, err := c.Nested.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, `,"nested":`...)
		b = append(b, nb...)
	}
	return append(b, '}'), nil
}

// appendItems appends `,"key":[items]` with each item's own bytes.
func appendItems(b []byte, key string, items []responses.Item) ([]byte, error) {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":[`...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		ib, err := items[i].MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("runner: encoding %s item %d: %w", key, i, err)
		}
		b = append(b, ib...)
	}
	return append(b, ']'), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}

// stateWire is the decoded form of the JSON.
type stateWire struct {
	stateHeader
	Calls   []callWire       `json:"calls"`
	Extra   []responses.Item `json:"extra"`
	History []responses.Item `json:"history"`
}

type callWire struct {
	CallRecord
	Output *responses.Item  `json:"output"`
	Extra  []responses.Item `json:"extra"`
	Nested *State           `json:"nested"`
}

// UnmarshalJSON decodes a state written by MarshalJSON, of any version up to
// [StateVersion], and checks that it is consistent: a newer version is an
// [ErrStateVersion] error, and records that do not match the history are
// refused.
func (s *State) UnmarshalJSON(b []byte) error {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("runner: decoding state: %w", err)
	}
	if v.Version < 1 || v.Version > StateVersion {
		return fmt.Errorf("%w: the state is version %d; this agentloop reads versions 1 to %d (upgrade agentloop to resume it)",
			ErrStateVersion, v.Version, StateVersion)
	}
	var w stateWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("runner: decoding state: %w", err)
	}
	*s = State{Version: w.Version, RunID: w.RunID, Agent: w.Agent, Tools: w.Tools, Status: w.Status,
		Turn: w.Turn, Usage: w.Usage, CostUSD: w.CostUSD, CostUnknown: w.CostUnknown, PreviousResponseID: w.PreviousResponseID, ServerItems: w.ServerItems,
		Standing: w.Standing, Meta: w.Meta, Learned: w.Learned, Conversation: w.Conversation, InputTokens: w.InputTokens, CountedItems: w.CountedItems, SendFrom: w.SendFrom,
		TurnStart: w.TurnStart, InSession: w.InSession, SessionItems: w.SessionItems,
		Extra: w.Extra, History: w.History}
	for _, c := range w.Calls {
		rec := c.CallRecord
		rec.Output, rec.Extra, rec.Nested = c.Output, c.Extra, c.Nested
		s.Calls = append(s.Calls, rec)
	}
	return s.check()
}

// check validates a decoded state.
func (s *State) check() error {
	switch s.Status {
	case StatusRunning, StatusPaused, StatusDone:
	default:
		return fmt.Errorf("runner: decoding state: unknown status %q", s.Status)
	}
	if s.RunID == "" {
		return errors.New("runner: decoding state: no run_id")
	}
	if s.ServerItems < 0 || s.ServerItems > len(s.History) {
		return fmt.Errorf("runner: decoding state: server_items %d out of range", s.ServerItems)
	}
	seen := map[string]bool{}
	for i := range s.Calls {
		c := &s.Calls[i]
		switch c.Status {
		case CallAwaiting, CallApproved, CallRejected, CallStarted:
		case CallDone:
			if c.Output == nil {
				return fmt.Errorf("runner: decoding state: call %s is done without an output", c.CallID)
			}
		default:
			return fmt.Errorf("runner: decoding state: call %s: unknown status %q", c.CallID, c.Status)
		}
		if seen[c.CallID] {
			return fmt.Errorf("runner: decoding state: call %s recorded twice", c.CallID)
		}
		seen[c.CallID] = true
		it := s.Call(c)
		if it == nil || it.CallID != c.CallID || it.Type != c.Type {
			return fmt.Errorf("runner: decoding state: call %s does not match history item %d", c.CallID, c.Index)
		}
	}
	return nil
}
