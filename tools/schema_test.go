package tools

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/invopop/jsonschema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Types whose schemas have golden files.
type (
	flatArgs struct {
		City    string  `json:"city" jsonschema:"description=City name"`
		Unit    string  `json:"unit,omitempty" jsonschema:"enum=c,enum=f"`
		Days    *int    `json:"days" jsonschema_description:"Forecast days; null for today only"`
		Verbose bool    `json:"verbose,omitzero"`
		Limit   float64 `json:"limit" jsonschema:"minimum=0,maximum=100"`
		Tagged  *string `json:"tagged" jsonschema:"required"`
		Note    string  `json:"note" jsonschema:"nullable"`
		NoTag   int
	}

	status   string
	enumArgs struct {
		Status   status   `json:"status" jsonschema:"enum=open,enum=closed"`
		Priority int      `json:"priority" jsonschema:"enum=1,enum=2,enum=3"`
		Flags    []string `json:"flags" jsonschema:"enum=a,enum=b"`
	}

	place struct {
		Name string  `json:"name" jsonschema:"description=Place name"`
		Lat  float64 `json:"lat"`
	}
	nestedArgs struct {
		From place  `json:"from" jsonschema:"description=Where the trip starts"`
		To   *place `json:"to" jsonschema:"description=Where it ends; null for a round trip"`
		Via  struct {
			Stops int `json:"stops"`
		} `json:"via"`
	}

	lineItem struct {
		SKU string `json:"sku"`
		Qty int    `json:"qty" jsonschema:"minimum=1"`
	}
	sliceArgs struct {
		Items []lineItem  `json:"items" jsonschema:"minItems=1,maxItems=10"`
		Tags  []string    `json:"tags,omitempty"`
		Grid  [2][2]int   `json:"grid"`
		Opt   []*lineItem `json:"opt"`
	}

	base struct {
		ID      string `json:"id"`
		Created string `json:"created,omitempty"`
	}
	Audit struct {
		By string `json:"by"`
	}
	embeddedArgs struct {
		base
		*Audit
		Title string `json:"title"`
		ID    int    `json:"id"` // shadows base.ID
	}

	timeArgs struct {
		At    time.Time     `json:"at"`
		Until *time.Time    `json:"until"`
		Every time.Duration `json:"every"`
	}

	color        string
	nullableEnum struct {
		Color *color `json:"color" jsonschema:"enum=red,enum=green"`
		Size  int    `json:"size,omitempty" jsonschema:"enum=1,enum=2"`
	}

	tree struct {
		Name     string `json:"name"`
		Children []tree `json:"children"`
	}
	dept struct {
		Name string  `json:"name"`
		Subs []*dept `json:"subs"`
		Boss *person `json:"boss"`
	}
	person struct {
		Name string `json:"name"`
	}
	orgArgs struct {
		Root *dept `json:"root" jsonschema:"description=Top department"`
		Also dept  `json:"also"`
	}

	mapArgs struct {
		Labels map[string]string `json:"labels"`
		Counts map[int]int       `json:"counts,omitempty"`
		Name   string            `json:"name,omitempty" jsonschema:"minLength=2"`
	}

	hiddenArgs struct {
		Name     string `json:"name"`
		Password string `json:"-"`
		Skip     string `jsonschema:"-"`
		internal string //nolint:unused // unexported fields are left out of the schema
	}

	emptyArgs struct{}

	// textID decodes from text, like a UUID.
	textID     [4]byte
	customArgs struct {
		ID    textID      `json:"id" jsonschema:"description=A hex ID"`
		IDs   []textID    `json:"ids"`
		N     json.Number `json:"n"`
		Level level       `json:"level" jsonschema:"enum=low,enum=high"`
		Maybe string      `json:"maybe" jsonschema:"optional,description=May be null"`
		IP    net.IP      `json:"ip"`
	}
	level int

	// Types with hand-written schemas, in shapes the rewrite must fix.
	stringOrInt struct{}
	wrapped     struct{}
	handArgs    struct {
		V stringOrInt `json:"v"`
		W wrapped     `json:"w" jsonschema:"description=Outer description"`
		P *wrapped    `json:"p"`
	}
)

func (stringOrInt) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Version: jsonschema.Version, ID: "https://example.com/x", Title: "String or int", Default: nil,
		OneOf: []*jsonschema.Schema{{Type: "string", Title: "s"}, {Type: "integer", Examples: []any{1}}},
	}
}

func (wrapped) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Title: "Wrapped", Description: "Inner description",
		AllOf: []*jsonschema.Schema{{Type: "string", Enum: []any{"a", "b"}, Default: "a", Deprecated: true}},
	}
}

func (id *textID) UnmarshalText(b []byte) error {
	_, err := hex.Decode(id[:], b)
	return err
}

func (l *level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low":
		*l = 1
	case "high":
		*l = 2
	default:
		return fmt.Errorf("unknown level %q", b)
	}
	return nil
}

func goldenCases() []struct {
	name   string
	t      reflect.Type
	strict bool
} {
	return []struct {
		name   string
		t      reflect.Type
		strict bool
	}{
		{"flat", reflect.TypeFor[flatArgs](), true},
		{"enum", reflect.TypeFor[enumArgs](), true},
		{"nested", reflect.TypeFor[nestedArgs](), true},
		{"slice", reflect.TypeFor[sliceArgs](), true},
		{"embedded", reflect.TypeFor[embeddedArgs](), true},
		{"time", reflect.TypeFor[timeArgs](), true},
		{"nullable_enum", reflect.TypeFor[nullableEnum](), true},
		{"recursive_root", reflect.TypeFor[tree](), true},
		{"recursive", reflect.TypeFor[*orgArgs](), true},
		{"map_nonstrict", reflect.TypeFor[mapArgs](), false},
		{"hidden", reflect.TypeFor[hiddenArgs](), true},
		{"empty", reflect.TypeFor[emptyArgs](), true},
		{"flat_nonstrict", reflect.TypeFor[flatArgs](), false},
		{"custom", reflect.TypeFor[customArgs](), true},
		{"hand_written", reflect.TypeFor[handArgs](), true},
	}
}

func TestSchemaGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := buildSchema(tc.t, tc.strict)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(got) {
				t.Fatalf("invalid JSON: %s", got)
			}
			if tc.strict {
				var doc any
				if err := json.Unmarshal(got, &doc); err != nil {
					t.Fatal(err)
				}
				if err := checkStrict(doc, "$"); err != nil {
					t.Errorf("not strict: %v", err)
				}
			}
			if _, err := NewValidator(got); err != nil {
				t.Errorf("NewValidator: %v", err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", "schemas", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./tools -update)", err)
			}
			if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
				t.Errorf("schema mismatch (-want +got), run go test ./tools -update if intended:\n%s", diff)
			}
		})
	}
}

func TestSchemaErrors(t *testing.T) {
	type withMap struct {
		M map[string]int `json:"m"`
	}
	type withAny struct {
		V any `json:"v"`
	}
	type withRaw struct {
		V json.RawMessage `json:"v"`
	}
	type withMinLength struct {
		S string `json:"s" jsonschema:"minLength=3"`
	}
	type withChan struct {
		C chan int `json:"c"`
	}
	type withURL struct {
		U url.URL `json:"u"`
	}
	type withUnique struct {
		S []string `json:"s" jsonschema:"uniqueItems=true"`
	}
	type withExtras struct {
		S string `json:"s" jsonschema_extras:"x-kind=secret"`
	}
	tests := []struct {
		name string
		t    reflect.Type
		want string // substring of the error
	}{
		{"map", reflect.TypeFor[withMap](), "$.m: map type map[string]int: strict mode allows no free-form keys"},
		{"map root", reflect.TypeFor[map[string]int](), "is not a struct"},
		{"int root", reflect.TypeFor[int](), "int is not a struct: the root of the schema must be a JSON object"},
		{"slice root", reflect.TypeFor[[]flatArgs](), "is not a struct"},
		{"time root", reflect.TypeFor[time.Time](), "is not a struct"},
		{"any", reflect.TypeFor[withAny](), "$.v: type interface {} has no JSON schema type"},
		{"raw", reflect.TypeFor[withRaw](), "$.v: type json.RawMessage has no JSON schema type"},
		{"minLength", reflect.TypeFor[withMinLength](), `$.s: keyword "minLength" is not supported in strict mode`},
		{"uniqueItems", reflect.TypeFor[withUnique](), `$.s: keyword "uniqueItems" is not supported`},
		{"extras", reflect.TypeFor[withExtras](), `extra keyword "x-kind"`},
		{"chan", reflect.TypeFor[withChan](), "cannot reflect a schema: unsupported type chan int"},
		{"url format", reflect.TypeFor[withURL](), `$.u: format "uri" is not supported in strict mode`},
		{"nil", nil, "nil type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Schema(tc.t)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Schema(%v) error = %v, want it to contain %q", tc.t, err, tc.want)
			}
		})
	}
}

func TestSchemaFor(t *testing.T) {
	a, err := SchemaFor[flatArgs]()
	if err != nil {
		t.Fatal(err)
	}
	b, err := SchemaFor[*flatArgs]()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(a), string(b)); diff != "" {
		t.Errorf("pointer and struct schemas differ:\n%s", diff)
	}
}
