package responses

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// actionSeeds are computer actions as the models send them (one of each
// type, batched and preview), with the liberties some take: fractional and
// quoted coordinates, nulls, unknown types and fields.
var actionSeeds = []string{
	`{"type":"click","button":"left","x":405,"y":157}`,
	`{"type":"click","button":"wheel","x":1.6,"y":"2","keys":["SHIFT"]}`,
	`{"type":"double_click","x":1,"y":2,"keys":null}`,
	`{"type":"drag","path":[{"x":1,"y":2},{"x":3.4,"y":4}]}`,
	`{"type":"keypress","keys":["CTRL","L"]}`,
	`{"type":"move","x":5,"y":6,"keys":["SHIFT"]}`,
	`{"type":"screenshot"}`,
	`{"type":"scroll","x":7,"y":8,"scroll_x":0,"scroll_y":-300}`,
	`{"type":"type","text":"penguin <&> \u2028"}`,
	`{"type":"wait"}`,
	`{"type":"zoom","factor":2}`,
	`{"type":"click","x":null,"y":"","button":"back"}`,
	`{"type":"scroll","x":1e300,"y":-1e300,"scroll_x":"1.5e3","scroll_y":9223372036854775807}`,
	`{"type":"drag","path":null}`,
	`null`,
}

// actionView is what an action means for its type: the fields its
// encoding from fields carries.
func actionView(a *ComputerAction) ComputerAction {
	v := ComputerAction{Type: a.Type, Keys: a.Keys}
	switch a.Type {
	case ActionClick:
		v.Button, v.X, v.Y = a.Button, a.X, a.Y
	case ActionDoubleClick, ActionMove:
		v.X, v.Y = a.X, a.Y
	case ActionScroll:
		v.X, v.Y, v.ScrollX, v.ScrollY = a.X, a.Y, a.ScrollX, a.ScrollY
	case ActionDrag:
		v.Path = a.Path
	case ActionType:
		v.Text = a.Text
	}
	return v
}

// FuzzComputerAction decodes arbitrary bytes as a computer action, alone
// and in the single and batched shapes of a computer_call. Decoding never
// panics; a decoded action encodes to exactly the bytes it came from
// (invalid UTF-8 replaced, as in an item); its
// encoding from fields is valid JSON that decodes to the same action (the
// fields its type uses) and encodes to itself again; and an item holding it
// decodes to the same action.
func FuzzComputerAction(f *testing.F) {
	for _, s := range actionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a ComputerAction
		if json.Unmarshal(data, &a) != nil {
			return
		}
		// The bytes it came from, invalid UTF-8 replaced as in an item.
		want := bytes.ToValidUTF8(bytes.Trim(data, " \t\r\n"), []byte("\uFFFD"))
		got, err := a.MarshalJSON()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("MarshalJSON = %q, %v; want %q", got, err, want)
		}

		// The same action in an item, preview and batched (where a null
		// action is none).
		for _, item := range []string{
			`{"type":"computer_call","call_id":"c","action":` + string(want) + `}`,
			`{"type":"computer_call","call_id":"c","actions":[` + string(want) + `]}`,
		} {
			var it Item
			if err := json.Unmarshal([]byte(item), &it); err != nil {
				t.Fatalf("the action decodes alone, not in %s: %v", item, err)
			}
			in := it.Action
			if in == nil && len(it.Actions) == 1 {
				in = &it.Actions[0]
			}
			if in == nil {
				if string(want) == "null" {
					continue
				}
				t.Fatalf("no action in %s", item)
			}
			if diff := cmp.Diff(a, *in, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("action in %s (-alone +in the item):\n%s", item, diff)
			}
		}

		// From fields.
		a.Raw = nil
		enc, err := a.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: no encoding from fields: %v", want, err)
		}
		if !json.Valid(enc) {
			t.Fatalf("%s: invalid JSON from fields: %q", want, enc)
		}
		var back ComputerAction
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if diff := cmp.Diff(actionView(&a), actionView(&back), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s from fields is %s, which decodes to another action (-want +got):\n%s", want, enc, diff)
		}
		back.Raw = nil
		again, err := back.MarshalJSON()
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("not a fixpoint:\n first %q\nsecond %q (%v)", enc, again, err)
		}
	})
}
