package tools

import (
	"encoding/json"
	"testing"
)

func BenchmarkCheck(b *testing.B) {
	args := []byte(`{"city":"Paris","unit":"c","days":3,"tags":["a","b"],"where":null}`)
	schema, _ := SchemaFor[weatherArgs]()
	v, _ := NewValidator(schema)
	var x any
	_ = json.Unmarshal(args, &x)
	b.ReportAllocs()
	for b.Loop() {
		_ = v.check(x)
	}
}
