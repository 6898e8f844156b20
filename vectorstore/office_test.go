package vectorstore

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOfficeText(t *testing.T) {
	const w = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	const a = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"`
	docx := zipOf(t, map[string]string{
		"[Content_Types].xml": `<Types/>`,
		"word/document.xml": `<w:document ` + w + `><w:body>` +
			`<w:p><w:r><w:t>Quarterly</w:t></w:r><w:r><w:t xml:space="preserve"> report</w:t></w:r></w:p>` +
			`<w:p><w:r><w:t>Revenue</w:t><w:tab/><w:t>up &amp; away</w:t></w:r></w:p></w:body></w:document>`,
	})
	pptx := zipOf(t, map[string]string{
		"ppt/slides/slide10.xml":           `<p:sld ` + a + `><a:p><a:r><a:t>Last slide</a:t></a:r></a:p></p:sld>`,
		"ppt/slides/slide2.xml":            `<p:sld ` + a + `><a:p><a:r><a:t>Second</a:t></a:r></a:p></p:sld>`,
		"ppt/slides/slide1.xml":            `<p:sld ` + a + `><a:p><a:r><a:t>Title</a:t></a:r></a:p><a:p><a:r><a:t>Subtitle</a:t></a:r></a:p></p:sld>`,
		"ppt/slides/_rels/slide1.xml.rels": `<Relationships/>`,
	})
	tests := []struct {
		raw  []byte
		ext  string
		want string
		err  bool
	}{
		{docx, ".docx", "Quarterly report\nRevenue up & away", false},
		{pptx, ".pptx", "Title\nSubtitle\n\nSecond\n\nLast slide", false},
		{[]byte("not a zip"), ".docx", "", true},
		{zipOf(t, map[string]string{"x.txt": "x"}), ".pptx", "", true},
		{zipOf(t, map[string]string{"word/document.xml": "<w:p><w:t>unclosed"}), ".docx", "", true},
	}
	for _, tt := range tests {
		got, err := officeText(tt.raw, tt.ext, DefaultMaxExpandedSize)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("officeText(%s) = %q, %v; want %q (error %v)", tt.ext, got, err, tt.want, tt.err)
		}
	}
}

// slideXML is a slide whose one text run is text.
func slideXML(text string) string {
	return `<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:p><a:r><a:t>` + text + `</a:t></a:r></a:p></p:sld>`
}

// wordsOf returns n bytes of words, which compress about 4:1 like prose.
func wordsOf(n int) string {
	words := strings.Fields("the turbine blade cooling channel reduces thermal stress in every stage of the engine")
	var b strings.Builder
	for i := uint32(1); b.Len() < n; i = i*1664525 + 1013904223 {
		b.WriteString(words[i>>16%uint32(len(words))])
		b.WriteByte(' ')
	}
	return b.String()[:n]
}

func TestOfficeTooLarge(t *testing.T) {
	// A zip bomb in all but name: 40 slides of 64 KiB that compress
	// about 1000:1, each well under any per-part limit, 2.5 MiB in all.
	bomb := map[string]string{}
	for i := range 40 {
		bomb[fmt.Sprintf("ppt/slides/slide%d.xml", i+1)] = slideXML(strings.Repeat("A", 64<<10))
	}
	slides := map[string]string{}
	for i := range 40 {
		slides[fmt.Sprintf("ppt/slides/slide%d.xml", i+1)] = slideXML(wordsOf(32 << 10))
	}
	// One member over the limit, stored (a compressor per member is slow).
	var many bytes.Buffer
	zw := zip.NewWriter(&many)
	for i := range maxZipMembers + 1 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("ppt/slides/slide%d.xml", i+1), Method: zip.Store})
		if err == nil {
			_, err = w.Write([]byte(slideXML("one")))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	docXML := `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` +
		wordsOf(300<<10) + `</w:t></w:r></w:p></w:body></w:document>`
	docx := zipOf(t, map[string]string{"word/document.xml": docXML})
	tests := []struct {
		name   string
		raw    []byte
		ext    string
		budget int64
		want   string // in the error; "" for success
	}{
		{"bomb", zipOf(t, bomb), ".pptx", 2 << 20, "the XML of the .pptx expands past the 2097152-byte limit"},
		{"bomb within budget", zipOf(t, bomb), ".pptx", 4 << 20, "the XML of the .pptx is compressed"},
		{"many slides within budget", zipOf(t, slides), ".pptx", 4 << 20, ""},
		{"ratio", zipOf(t, map[string]string{"ppt/slides/slide1.xml": slideXML(strings.Repeat("A", 2<<20))}), ".pptx", DefaultMaxExpandedSize,
			"ppt/slides/slide1.xml is compressed"},
		{"members", many.Bytes(), ".pptx", DefaultMaxExpandedSize, "the .pptx archive has 32769 members, over the limit of 32768"},
		{"large docx", docx, ".docx", 200 << 10, "the XML of the .docx expands past the 204800-byte limit"},
		{"docx a byte over", docx, ".docx", int64(len(docXML)) - 1, "expands past"},
		{"docx at the limit", docx, ".docx", int64(len(docXML)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := officeText(tt.raw, tt.ext, tt.budget)
			if tt.want == "" {
				if err != nil || text == "" {
					t.Errorf("officeText: %d bytes of text, %v", len(text), err)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("officeText error %v, want ErrTooLarge with %q", err, tt.want)
			}
		})
	}
}

func TestBudgetReader(t *testing.T) {
	tests := []struct {
		parts   []string
		budget  int64
		want    string
		tooMuch bool
	}{
		{[]string{"abc", "de"}, 5, "abcde", false},
		{[]string{"abc", "def"}, 5, "abcde", true},
		{[]string{"abcdef"}, 5, "abcde", true},
		{[]string{"", "abcde", ""}, 5, "abcde", false},
	}
	for _, tt := range tests {
		br := &budgetReader{left: tt.budget}
		var got strings.Builder
		var err error
		for _, p := range tt.parts {
			br.r = strings.NewReader(p)
			var buf bytes.Buffer
			_, err = io.Copy(&buf, iotest.OneByteReader(br))
			got.Write(buf.Bytes())
			if err != nil {
				break
			}
		}
		if got.String() != tt.want || errors.Is(err, ErrTooLarge) != tt.tooMuch {
			t.Errorf("%q with a budget of %d: read %q, %v; want %q (too large %v)", tt.parts, tt.budget, got.String(), err, tt.want, tt.tooMuch)
		}
	}
}
