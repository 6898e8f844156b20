package qdrant

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want endpoint
		bad  bool
	}{
		{in: "", want: endpoint{"localhost", 6334, false}},
		{in: "qdrant", want: endpoint{"qdrant", 6334, false}},
		{in: "qdrant:7000", want: endpoint{"qdrant", 7000, false}},
		{in: "127.0.0.1:6334", want: endpoint{"127.0.0.1", 6334, false}},
		{in: "http://localhost:6334", want: endpoint{"localhost", 6334, false}},
		{in: "http://localhost:6334/", want: endpoint{"localhost", 6334, false}},
		{in: "https://abc.eu-central.aws.cloud.qdrant.io:6334", want: endpoint{"abc.eu-central.aws.cloud.qdrant.io", 6334, true}},
		{in: "https://abc.cloud.qdrant.io", want: endpoint{"abc.cloud.qdrant.io", 6334, true}},
		{in: "http://[::1]:6334", want: endpoint{"::1", 6334, false}},
		{in: "[::1]:7", want: endpoint{"::1", 7, false}},
		{in: "::1", want: endpoint{"::1", 6334, false}},
		{in: "ftp://host", bad: true},
		{in: "http://host:6334/collections", bad: true},
		{in: "http://host:notaport", bad: true},
		{in: "host:0", bad: true},
		{in: "http://:6334", bad: true},
	} {
		got, err := parseAddr(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseAddr(%q) = %+v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseAddr(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(endpoint{})); diff != "" {
			t.Errorf("parseAddr(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestSettingsDefaults(t *testing.T) {
	s := newSettings(nil)
	if s.prefix != DefaultCollectionPrefix || s.batch != DefaultBatchSize || s.maxRetries != DefaultMaxRetries ||
		s.baseDelay != DefaultRetryBaseDelay || s.maxDelay != DefaultRetryMaxDelay || s.avgChunkTerms != 0 || s.log == nil {
		t.Errorf("defaults = %+v", s)
	}
}
