package tools

import (
	"context"
	"testing"
)

func BenchmarkFuncCall(b *testing.B) {
	tool, err := NewFunc("get_weather", "Current weather",
		func(_ context.Context, in weatherArgs) (string, error) { return in.City, nil })
	if err != nil {
		b.Fatal(err)
	}
	args := `{"city":"Paris","unit":"c","days":3,"tags":["a","b"],"where":null}`
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tool.Call(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFuncCallInvalid(b *testing.B) {
	tool, err := NewFunc("get_weather", "Current weather",
		func(_ context.Context, in weatherArgs) (string, error) { return in.City, nil })
	if err != nil {
		b.Fatal(err)
	}
	args := `{"city":"Paris","unit":"kelvin","days":3,"tags":["a","b"]}`
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tool.Call(ctx, args); err == nil {
			b.Fatal("no error")
		}
	}
}

func BenchmarkSchema(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SchemaFor[flatArgs](); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidatorCheck(b *testing.B) {
	schema, err := SchemaFor[weatherArgs]()
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewValidator(schema)
	if err != nil {
		b.Fatal(err)
	}
	x, err := parseJSON([]byte(`{"city":"Paris","unit":"c","days":3,"tags":["a","b"],"where":null}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.check(x); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFastValid(b *testing.B) {
	schema, err := SchemaFor[weatherArgs]()
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewValidator(schema)
	if err != nil {
		b.Fatal(err)
	}
	doc := []byte(`{"city":"Paris","unit":"c","days":3,"tags":["a","b"],"where":null}`)
	b.ReportAllocs()
	for b.Loop() {
		if !v.fastValid(doc) {
			b.Fatal("not valid")
		}
	}
}
