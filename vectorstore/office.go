package vectorstore

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// maxOfficePart bounds the uncompressed size of one XML part read from an
// Office file, against zip bombs.
const maxOfficePart = 64 << 20

// officeText extracts the text of a .docx (the main document) or a .pptx (the
// slides, in order) with the standard library: both are zip archives of XML
// where runs of text sit in w:t / a:t elements and paragraphs in w:p / a:p.
func officeText(raw []byte, ext string) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return "", fmt.Errorf("not a valid %s file: %w", ext, err)
	}
	var parts []*zip.File
	switch ext {
	case ".docx":
		for _, f := range zr.File {
			if f.Name == "word/document.xml" {
				parts = append(parts, f)
			}
		}
	case ".pptx":
		for _, f := range zr.File {
			if strings.HasPrefix(f.Name, "ppt/slides/slide") && path.Ext(f.Name) == ".xml" && path.Dir(f.Name) == "ppt/slides" {
				parts = append(parts, f)
			}
		}
		num := func(name string) int {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "ppt/slides/slide"), ".xml"))
			return n
		}
		sort.Slice(parts, func(i, j int) bool { return num(parts[i].Name) < num(parts[j].Name) })
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("no document text found in the %s archive", ext)
	}
	var b strings.Builder
	for i, f := range parts {
		if i > 0 {
			b.WriteString("\n\n")
		}
		if err := xmlText(f, &b); err != nil {
			return "", fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return tidySpace(b.String()), nil
}

// xmlText appends the text runs (t elements) of an OOXML part to b, a line
// per paragraph (p), tabs and breaks kept.
func xmlText(f *zip.File, b *strings.Builder) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	dec := xml.NewDecoder(io.LimitReader(rc, maxOfficePart))
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				b.WriteByte('\t')
			case "br", "cr":
				b.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				b.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				b.Write(t)
			}
		}
	}
}
