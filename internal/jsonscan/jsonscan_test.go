package jsonscan

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
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
	f.Add([]byte(`"a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00 é"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		end, err := Value(b, Space(b, 0), 0)
		if got, want := err == nil && Space(b, end) == len(b), json.Valid(b); got != want {
			t.Fatalf("%q: valid=%v, encoding/json says %v", b, got, want)
		}
		// Unquote decodes a string as encoding/json does, or declines.
		if i := Space(b, 0); i < len(b) && b[i] == '"' {
			if end, _, err := String(b, i); err == nil {
				var want string
				if err := json.Unmarshal(b[i:end], &want); err != nil {
					t.Fatalf("%q: encoding/json refuses a valid string: %v", b[i:end], err)
				}
				if got, ok := Unquote(b[i:end]); ok && got != want {
					t.Fatalf("Unquote(%q) = %q, encoding/json gives %q", b[i:end], got, want)
				}
			}
		}
	})
}

func TestUnquote(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`""`, "", true},
		{`"plain"`, "plain", true},
		{`"{\"city\":\"Paris\"}"`, `{"city":"Paris"}`, true},
		{`"a\\b\/c\b\f\n\r\t"`, "a\\b/c\b\f\n\r\t", true},
		{`"\u00e9\u20AC é"`, "é€ é", true},
		{`"\ud83d\ude00"`, "", false}, // a surrogate pair: encoding/json decides
		{"\"\xff\"", "", false},       // invalid UTF-8: encoding/json decides
		{`"unterminated`, "", false},
	} {
		got, ok := Unquote([]byte(tt.in))
		if diff := cmp.Diff(struct {
			S  string
			OK bool
		}{tt.want, tt.ok}, struct {
			S  string
			OK bool
		}{got, ok}); diff != "" {
			t.Errorf("Unquote(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
