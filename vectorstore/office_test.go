package vectorstore

import (
	"archive/zip"
	"bytes"
	"testing"
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
		got, err := officeText(tt.raw, tt.ext)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("officeText(%s) = %q, %v; want %q (error %v)", tt.ext, got, err, tt.want, tt.err)
		}
	}
}
