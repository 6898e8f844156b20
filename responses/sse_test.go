package responses

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// readAll returns the data of every event of an SSE stream.
func readAll(r io.Reader, max int) ([]string, error) {
	sr := newSSEReader(r, max)
	var out []string
	for {
		data, err := sr.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(data))
	}
}

func TestSSEReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lf", "event: a\ndata: {\"type\":\"a\"}\n\nevent: b\ndata: {\"type\":\"b\"}\n\n", []string{`{"type":"a"}`, `{"type":"b"}`}},
		{"crlf", "event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n", []string{"1", "2"}},
		{"cr", "event: a\rdata: 1\r\rdata: 2\r\r", []string{"1", "2"}},
		{"mixed endings", "data: 1\r\n\ndata: 2\r\rdata: 3\n\r\n", []string{"1", "2", "3"}},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n", []string{"{\"a\":\n1}"}},
		{"no space after colon", "data:x\n\n", []string{"x"}},
		{"only one space stripped", "data:  x \n\n", []string{" x "}},
		{"empty data", "data\n\ndata:\n\n", []string{"", ""}},
		{"comments", ": PING\n\n: PING\ndata: 1\n: mid\n\n:\n\n", []string{"1"}},
		{"missing event lines", "data: 1\n\ndata: 2\n\n", []string{"1", "2"}},
		{"id retry and unknown fields", "id: 7\nretry: 100\nfoo: bar\nevent: x\ndata: 1\n\n", []string{"1"}},
		{"event without data is skipped", "event: ping\n\ndata: 1\n\n", []string{"1"}},
		{"done ends the stream", "data: 1\n\ndata: [DONE]\n\ndata: 2\n\n", []string{"1"}},
		{"no blank line before EOF", "data: 1\n\ndata: 2\n", []string{"1", "2"}},
		{"line cut by EOF is dropped", "data: 1\n\ndata: {\"type\":", []string{"1"}},
		{"blank lines before first event", "\n\n\r\ndata: 1\n\n", []string{"1"}},
		{"empty stream", "", nil},
		{"bom-free field match", "Data: 1\n\ndata: 2\n\n", []string{"2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{"whole", "onebyte"} {
				var r io.Reader = strings.NewReader(tt.in)
				if mode == "onebyte" {
					r = iotest.OneByteReader(r)
				}
				got, err := readAll(r, 0)
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s: events (-want +got):\n%s", mode, diff)
				}
			}
		})
	}
}

func TestSSEHugeLine(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 10<<20)
	var in bytes.Buffer
	in.WriteString(": PING\r\nevent: response.output_text.delta\r\ndata: ")
	in.Write(big)
	in.WriteString("\r\n\r\ndata: small\r\n\r\n")
	got, err := readAll(&in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != string(big) || got[1] != "small" {
		t.Fatalf("got %d events, first %d bytes", len(got), len(got[0]))
	}
}

func TestSSEEventTooLarge(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"one line", "data: " + strings.Repeat("x", 2000) + "\n\n"},
		{"many lines", strings.Repeat("data: "+strings.Repeat("x", 100)+"\n", 20) + "\n"},
		{"line without end", "data: " + strings.Repeat("x", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(strings.NewReader(tt.in), 1000)
			if !errors.Is(err, errEventTooLarge) || !strings.Contains(err.Error(), "MaxEventSize") {
				t.Fatalf("err = %v, want an event-too-large error naming MaxEventSize", err)
			}
		})
	}
	// Exactly at the cap is fine.
	got, err := readAll(strings.NewReader("data: "+strings.Repeat("y", 1000)+"\n\n"), 1000)
	if err != nil || len(got) != 1 {
		t.Fatalf("at the cap: %d events, %v", len(got), err)
	}
}

func TestSSEReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: 1\n\ndata: 2"), iotest.ErrReader(boom))
	got, err := readAll(r, 0)
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Fatalf("got %q, %v; want one event and the read error", got, err)
	}
}

// encodeSSE writes events as SSE with the given line ending, splitting
// multi-line data into several data: lines.
func encodeSSE(events []string, eol string) []byte {
	var b bytes.Buffer
	for _, ev := range events {
		b.WriteString(": keepalive" + eol + "event: x" + eol)
		for _, line := range strings.Split(ev, "\n") {
			b.WriteString("data: " + line + eol)
		}
		b.WriteString(eol)
	}
	return b.Bytes()
}

func FuzzSSE(f *testing.F) {
	f.Add([]byte("event: a\ndata: {\"type\":\"a\"}\n\n"), uint8(0))
	f.Add([]byte("data: 1\r\n\r\ndata: 2\r\rdata: [DONE]\n\n"), uint8(1))
	f.Add([]byte(": PING\n\ndata: x\ndata: y\n\n"), uint8(2))
	f.Add([]byte("data:\n\ndata"), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		// Arbitrary input never panics and never returns more than it read.
		events, _ := readAll(bytes.NewReader(in), 1<<10)
		total := 0
		for _, ev := range events {
			total += len(ev)
		}
		if total > len(in) {
			t.Fatalf("read %d bytes of data from %d bytes of input", total, len(in))
		}

		// Well-formed input round-trips: split the input into events of
		// printable lines and encode them with some line ending.
		var want []string
		for part := range bytes.SplitSeq(in, []byte{0}) {
			want = append(want, strings.ReplaceAll(string(part), "\r", ""))
		}
		eol := []string{"\n", "\r\n", "\r"}[mode%3]
		enc := encodeSSE(want, eol)
		got, err := readAll(bytes.NewReader(enc), len(enc)+1)
		if err != nil {
			t.Fatal(err)
		}
		// "data: [DONE]" ends the stream: compare up to there.
		for i, w := range want {
			if strings.TrimSpace(w) == "[DONE]" {
				want = want[:i]
				break
			}
		}
		if len(want) == 0 {
			want = nil
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", enc, diff)
		}
	})
}
