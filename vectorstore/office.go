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

// Limits on the zip archives of .docx and .pptx files, besides the
// expansion budget: the number of members, and the compression ratio of a
// large member or of the parts read together (DEFLATE tops out near
// 1032:1; documents' XML rarely passes 20:1).
const (
	maxZipMembers    = 1 << 15
	maxZipRatio      = 200
	zipRatioMinBytes = 1 << 20 // smaller members and totals are not ratio-checked
)

// officeText extracts the text of a .docx (the main document) or a .pptx (the
// slides, in order) with the standard library: both are zip archives of XML
// where runs of text sit in w:t / a:t elements and paragraphs in w:p / a:p.
// The XML read, summed over the parts, may not exceed budget bytes; past
// it, or for an archive with too many members or a part compressed beyond
// any document's ratio, the error wraps ErrTooLarge.
func officeText(raw []byte, ext string, budget int64) (string, error) {
	return officeTextAt(bytes.NewReader(raw), int64(len(raw)), ext, budget)
}

// officeTextAt is officeText over the size bytes of r (a file, say).
func officeTextAt(r io.ReaderAt, size int64, ext string, budget int64) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", fmt.Errorf("not a valid %s file: %w", ext, err)
	}
	if len(zr.File) > maxZipMembers {
		return "", fmt.Errorf("%w: the %s archive has %d members, over the limit of %d", ErrTooLarge, ext, len(zr.File), maxZipMembers)
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
	// The sizes the archive declares are checked before anything is
	// inflated (archive/zip fails a member that inflates past its declared
	// size); the reads are counted against the budget all the same.
	var declared, compressed uint64
	for _, f := range parts {
		declared += f.UncompressedSize64
		compressed += f.CompressedSize64
		if declared > uint64(budget) {
			return "", fmt.Errorf("%w: the XML of the %s expands past the %d-byte limit", ErrTooLarge, ext, budget)
		}
		if f.UncompressedSize64 >= zipRatioMinBytes && f.UncompressedSize64/max(f.CompressedSize64, 1) > maxZipRatio {
			return "", fmt.Errorf("%w: %s is compressed %d:1, beyond any document's ratio (limit %d:1)",
				ErrTooLarge, f.Name, f.UncompressedSize64/max(f.CompressedSize64, 1), maxZipRatio)
		}
	}
	// The same over all the parts, for a bomb spread over many.
	if declared >= zipRatioMinBytes && declared/max(compressed, 1) > maxZipRatio {
		return "", fmt.Errorf("%w: the XML of the %s is compressed %d:1, beyond any document's ratio (limit %d:1)",
			ErrTooLarge, ext, declared/max(compressed, 1), maxZipRatio)
	}
	var b strings.Builder
	left := &budgetReader{left: budget}
	for i, f := range parts {
		if i > 0 {
			b.WriteString("\n\n")
		}
		if err := xmlText(f, left, &b); err != nil {
			if errors.Is(err, ErrTooLarge) {
				return "", fmt.Errorf("%w: the XML of the %s expands past the %d-byte limit", ErrTooLarge, ext, budget)
			}
			return "", fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return tidySpace(b.String()), nil
}

// budgetReader reads from r until left bytes have been read in all (over
// every r it is given), then fails with ErrTooLarge.
type budgetReader struct {
	r    io.Reader
	left int64
}

func (br *budgetReader) Read(p []byte) (int, error) {
	if br.left <= 0 {
		// One byte more tells an exhausted budget from a part that ends
		// exactly at it.
		var one [1]byte
		n, err := br.r.Read(one[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > br.left {
		p = p[:br.left]
	}
	n, err := br.r.Read(p)
	br.left -= int64(n)
	return n, err
}

// xmlText appends the text runs (t elements) of an OOXML part to b, a line
// per paragraph (p), tabs and breaks kept, reading the part through br.
func xmlText(f *zip.File, br *budgetReader, b *strings.Builder) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	br.r = rc
	dec := xml.NewDecoder(br)
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
