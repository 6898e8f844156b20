package jsonscan

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestValue(t *testing.T) {
	for _, doc := range []string{
		`0`, `-1.5e+3`, `"a\"b\u00e9"`, `true`, `false`, `null`, `[]`, `{}`,
		`{"a":[1,{"b":null}],"c":"d"}`, `[ 1 , 2 ]`,
		`01`, `1.`, `-`, `"\x"`, `"a`, `[1,]`, `{"a"}`, `{"a":1,}`, `tru`, `{1:2}`, "\"a\x01\"",
	} {
		end, err := Value([]byte(doc), 0, 0)
		// Value reads one value; the document is valid when it read all.
		got := err == nil && end == len(doc)
		if want := json.Valid([]byte(doc)); got != want {
			t.Errorf("%q: Value says valid=%v (end %d, err %v), encoding/json says %v", doc, got, end, err, want)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v does not wrap ErrSyntax", doc, err)
		}
	}
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c"}]}`, `"\u00e9"`, `-0.5e10`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		end, err := Value(b, Space(b, 0), 0)
		if got, want := err == nil && Space(b, end) == len(b), json.Valid(b); got != want {
			t.Fatalf("%q: valid=%v, encoding/json says %v", b, got, want)
		}
	})
}
