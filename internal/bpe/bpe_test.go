package bpe

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tkcodec "github.com/tiktoken-go/tokenizer/codec"
)

// samples are texts of every kind the chunker meets.
func samples(t *testing.T) []string {
	out := []string{
		"", "a", "Hello, world!", "  leading and trailing spaces  ", "line\r\nbreaks\n\n\tand tabs",
		"don't you'll we've THEY'RE", "1234567890 3.14159 -42", "naïve café über straße",
		"日本語のテキストと中文文本", "emoji 👍🏽 and 🇫🇷 flags", "func main() { fmt.Println(\"hi\") }\n",
		strings.Repeat("a", 3000), strings.Repeat("ab", 1000), strings.Repeat("!?", 700),
		"<|endoftext|> is text here", "\xff\xfe invalid utf-8 \x80",
	}
	r := rand.New(rand.NewPCG(7, 9))
	alphabet := []rune("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789.,;:!?'\"-_/\\\n\téàüß日本中😀")
	for range 300 {
		b := make([]rune, r.IntN(400))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		out = append(out, string(b))
	}
	docs, _ := filepath.Glob("../../vectorstore/*.go")
	for _, d := range docs[:min(len(docs), 10)] {
		b, err := os.ReadFile(d)
		if err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

// TestSameTokensAsTiktoken: both encodings give the tokens
// github.com/tiktoken-go/tokenizer gives, on every sample.
func TestSameTokensAsTiktoken(t *testing.T) {
	for name, ref := range map[string]*tkcodec.Codec{O200kBase: tkcodec.NewO200kBase(), Cl100kBase: tkcodec.NewCl100kBase()} {
		enc, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range samples(t) {
			_, want, err := ref.Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := enc.Tokens(s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s, sample %d (%.40q): tokens differ (-tiktoken +ours):\n%s", name, i, s, diff)
			}
			if n, _ := enc.Count(s); n != len(want) {
				t.Fatalf("%s, sample %d: Count %d, want %d", name, i, n, len(want))
			}
		}
	}
}

func TestUnknownEncoding(t *testing.T) {
	if _, err := Get("p50k_base"); err == nil || !strings.Contains(err.Error(), "unknown encoding") {
		t.Errorf("err = %v", err)
	}
}

func BenchmarkTokens(b *testing.B) {
	enc, err := Get(O200kBase)
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("The quick brown fox jumps over the lazy dog; naïve café 123.\n", 200)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := enc.Count(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTiktoken(b *testing.B) {
	c := tkcodec.NewO200kBase()
	text := strings.Repeat("The quick brown fox jumps over the lazy dog; naïve café 123.\n", 200)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := c.Count(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad reads the o200k_base vocabulary, as the first Get does.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := readVocab(o200kVocab); err != nil {
			b.Fatal(err)
		}
	}
}
