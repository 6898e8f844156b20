package vectorstore

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// filterSeeds are filters as OpenAI documents them and as the tests write
// them, valid and not.
var filterSeeds = []string{
	`{"type":"eq","key":"lang","value":"go"}`,
	`{"type":"and","filters":[{"type":"gte","key":"year","value":2020},{"type":"in","key":"tag","value":["a","b"]}]}`,
	`{"type":"or","filters":[{"type":"eq","key":"draft","value":false},{"type":"nin","key":"lang","value":["rust",1,true]}]}`,
	`{"type":"ne","key":"stars","value":7.0}`,
	`{"type":"lt","key":"created","value":"2024-03-01T13:00:00+01:00"}`,
	`{"type":"gt","key":"n","value":-0}`,
	`{"type":"lte","key":"n","value":1e308}`,
	`{"type":"and","filters":[{"type":"or","filters":[{"type":"and","filters":[{"type":"eq","key":"k","value":""}]}]}]}`,
	`{"TYPE":"eq","Key":"k","vAlUe":"x"}`,
	`{"type":"eq","key":"a","value":1,"type":"ne"}`,
	`{"type":"and","filters":[]}`,
	`{"type":"eq","key":"a","value":1,"filters":[]}`,
	`{"type":"in","key":"a","value":[{"x":1}]}`,
	`{"type":"eq","key":"\u00e9\ud800","value":"\u2028"}`,
	`null`,
}

// FuzzFilter decodes arbitrary JSON as a Filter. Decoding never panics, and
// a filter that decodes is valid, encodes (json.Marshal and String agree),
// and decodes again to the same filter, which encodes to the same bytes and
// matches the same attributes. A comparison matches an attribute holding
// its own value (eq, gte, lte, in) and its negations do not; gt and lt do
// not either.
func FuzzFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var f1 Filter
		if json.Unmarshal(data, &f1) != nil {
			return
		}
		if err := f1.Validate(); err != nil {
			t.Fatalf("decoded filter %s is not valid: %v", data, err)
		}
		enc, err := json.Marshal(f1)
		if err != nil {
			t.Fatalf("decoded filter %s does not encode: %v", data, err)
		}
		if s := f1.String(); s != string(enc) {
			t.Fatalf("String() = %s, json.Marshal = %s", s, enc)
		}
		var f2 Filter
		if err := json.Unmarshal(enc, &f2); err != nil {
			t.Fatalf("%s decoded, its encoding %s does not: %v", data, enc, err)
		}
		if diff := cmp.Diff(f1, f2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s decoded again (-first +second):\n%s", enc, diff)
		}
		again, err := json.Marshal(f2)
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("not a fixpoint:\n first %s\nsecond %s (%v)", enc, again, err)
		}

		attrs := []Attributes{nil}
		var leaves func(f *Filter)
		leaves = func(f *Filter) {
			for i := range f.Filters {
				leaves(&f.Filters[i])
			}
			if f.Key == "" {
				return
			}
			own := f.Value
			if elems, ok := AsList(f.Value); ok {
				own = elems[0]
			}
			a := Attributes{f.Key: own}
			attrs = append(attrs, a)
			want := map[string]bool{FilterEq: true, FilterGte: true, FilterLte: true, FilterIn: true}[f.Type]
			if got := f.Match(a); got != want {
				t.Fatalf("%s on %v = %v, want %v", f, a, got, want)
			}
		}
		leaves(&f1)
		for _, a := range attrs {
			if m1, m2 := f1.Match(a), f2.Match(a); m1 != m2 {
				t.Fatalf("on %v: %s matches %v, decoded again %v", a, enc, m1, m2)
			}
		}
	})
}
