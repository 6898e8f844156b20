package qdrant_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
	"github.com/google/go-cmp/cmp"
	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func f64(v float64) *float64 { return &v }

func not(c *qc.Condition) *qc.Condition {
	return qc.NewFilterAsCondition(&qc.Filter{MustNot: []*qc.Condition{c}})
}

func TestFilterCondition(t *testing.T) {
	ts := timestamppb.New(time.Date(2021, 2, 11, 8, 30, 0, 0, time.UTC))
	for _, tc := range []struct {
		filter string // OpenAI JSON
		want   *qc.Condition
	}{
		{`{"type":"eq","key":"kind","value":"code"}`, qc.NewMatchKeyword("attributes.kind", "code")},
		{`{"type":"eq","key":"public","value":true}`, qc.NewMatchBool("attributes.public", true)},
		{`{"type":"eq","key":"year","value":2021}`, qc.NewRange("attributes.year", &qc.Range{Gte: f64(2021), Lte: f64(2021)})},
		{`{"type":"eq","key":"rating","value":4.5}`, qc.NewRange("attributes.rating", &qc.Range{Gte: f64(4.5), Lte: f64(4.5)})},
		{`{"type":"ne","key":"kind","value":"code"}`, not(qc.NewMatchKeyword("attributes.kind", "code"))},
		{`{"type":"ne","key":"year","value":3}`, not(qc.NewRange("attributes.year", &qc.Range{Gte: f64(3), Lte: f64(3)}))},
		{`{"type":"gt","key":"year","value":2020}`, qc.NewRange("attributes.year", &qc.Range{Gt: f64(2020)})},
		{`{"type":"gte","key":"year","value":2020}`, qc.NewRange("attributes.year", &qc.Range{Gte: f64(2020)})},
		{`{"type":"lt","key":"year","value":2020}`, qc.NewRange("attributes.year", &qc.Range{Lt: f64(2020)})},
		{`{"type":"lte","key":"year","value":2020}`, qc.NewRange("attributes.year", &qc.Range{Lte: f64(2020)})},
		{`{"type":"gt","key":"date","value":"2021-02-11T08:30:00Z"}`, qc.NewDatetimeRange("attributes.date", &qc.DatetimeRange{Gt: ts})},
		{`{"type":"gte","key":"date","value":"2021-02-11T09:30:00+01:00"}`, qc.NewDatetimeRange("attributes.date", &qc.DatetimeRange{Gte: ts})},
		{`{"type":"lt","key":"date","value":"2021-02-11T08:30:00Z"}`, qc.NewDatetimeRange("attributes.date", &qc.DatetimeRange{Lt: ts})},
		{`{"type":"lte","key":"date","value":"2021-02-11T08:30:00Z"}`, qc.NewDatetimeRange("attributes.date", &qc.DatetimeRange{Lte: ts})},
		{`{"type":"in","key":"kind","value":["code","note"]}`, qc.NewMatchKeywords("attributes.kind", "code", "note")},
		{`{"type":"in","key":"year","value":[2019,2021.5]}`, qc.NewFilterAsCondition(&qc.Filter{Should: []*qc.Condition{
			qc.NewRange("attributes.year", &qc.Range{Gte: f64(2019), Lte: f64(2019)}),
			qc.NewRange("attributes.year", &qc.Range{Gte: f64(2021.5), Lte: f64(2021.5)}),
		}})},
		{`{"type":"in","key":"x","value":[true,"yes",1]}`, qc.NewFilterAsCondition(&qc.Filter{Should: []*qc.Condition{
			qc.NewMatchKeywords("attributes.x", "yes"),
			qc.NewMatchBool("attributes.x", true),
			qc.NewRange("attributes.x", &qc.Range{Gte: f64(1), Lte: f64(1)}),
		}})},
		{`{"type":"nin","key":"kind","value":["code"]}`, not(qc.NewMatchKeywords("attributes.kind", "code"))},
		{`{"type":"and","filters":[{"type":"eq","key":"kind","value":"code"},{"type":"gte","key":"year","value":2020}]}`,
			qc.NewFilterAsCondition(&qc.Filter{Must: []*qc.Condition{
				qc.NewMatchKeyword("attributes.kind", "code"),
				qc.NewRange("attributes.year", &qc.Range{Gte: f64(2020)}),
			}})},
		{`{"type":"or","filters":[{"type":"eq","key":"kind","value":"code"},
			{"type":"and","filters":[{"type":"ne","key":"public","value":false},{"type":"nin","key":"year","value":[1962]}]}]}`,
			qc.NewFilterAsCondition(&qc.Filter{Should: []*qc.Condition{
				qc.NewMatchKeyword("attributes.kind", "code"),
				qc.NewFilterAsCondition(&qc.Filter{Must: []*qc.Condition{
					not(qc.NewMatchBool("attributes.public", false)),
					not(qc.NewRange("attributes.year", &qc.Range{Gte: f64(1962), Lte: f64(1962)})),
				}}),
			}})},
		// Keys that are not plain identifiers are quoted in the path.
		{`{"type":"eq","key":"a.b","value":"x"}`, qc.NewMatchKeyword(`attributes."a.b"`, "x")},
		{`{"type":"eq","key":"with space","value":"x"}`, qc.NewMatchKeyword(`attributes."with space"`, "x")},
		{`{"type":"eq","key":"snake_case-and-dash","value":"x"}`, qc.NewMatchKeyword("attributes.snake_case-and-dash", "x")},
	} {
		var f vectorstore.Filter
		if err := json.Unmarshal([]byte(tc.filter), &f); err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		got, err := qdrant.FilterCondition(&f)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.filter, diff)
		}
	}
}

func TestFilterConditionErrors(t *testing.T) {
	for _, f := range []vectorstore.Filter{
		{Type: "eq", Key: `say "hi"`, Value: "x"},
		{Type: "gt", Key: "d", Value: "last tuesday"},
		{Type: "gt", Key: "d", Value: true},
		{Type: "in", Key: "d", Value: []any{}},
		{Type: "xor", Key: "d", Value: 1},
	} {
		if _, err := qdrant.FilterCondition(&f); !errors.Is(err, vectorstore.ErrInvalid) {
			t.Errorf("FilterCondition(%v) = %v, want ErrInvalid", f, err)
		}
	}
}
