package vectorstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors of decodeReader: the text is not text.
var (
	errBinary    = errors.New("binary content (NUL bytes); text must be UTF-8, or UTF-16 with a BOM")
	errNotUTF8   = errors.New("not valid UTF-8; text must be UTF-8, or UTF-16 with a BOM")
	errOddUTF16  = errors.New("UTF-16 text with an odd number of bytes")
	errTextLimit = errors.New("text limit")
)

// decodeReader reads a file's bytes as UTF-8 text, a block at a time: UTF-8
// with or without a BOM (dropped), or UTF-16 (LE or BE) with a BOM,
// converted. UTF-8 that is not valid, or holds a NUL byte (binary), fails
// with errNotUTF8 or errBinary; more than limit bytes of text with an error
// wrapping errTextLimit. It holds one block, whatever the file's size.
type decodeReader struct {
	r     io.Reader
	limit int64
	n     int64 // bytes of text returned

	started bool
	utf16   int // 0: UTF-8; 1: UTF-16LE; 2: UTF-16BE
	in      []byte
	carry   []byte // an incomplete character (or UTF-16 unit) from the last block
	out     []byte // decoded text not yet returned
	surr    uint16 // a high surrogate waiting for its pair (UTF-16)
	err     error
}

func newDecodeReader(r io.Reader, limit int64) *decodeReader {
	return &decodeReader{r: r, limit: limit, in: make([]byte, 64<<10)}
}

func (d *decodeReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		d.fill()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// fill decodes the next block into out, or sets err.
func (d *decodeReader) fill() {
	n, err := io.ReadFull(d.r, d.in[len(d.carry):])
	if len(d.carry) > 0 {
		copy(d.in, d.carry)
	}
	block := d.in[:len(d.carry)+n]
	d.carry = d.carry[:0]
	eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if err != nil && !eof {
		d.err = err
		return
	}
	if !d.started {
		d.started = true
		switch {
		case bytes.HasPrefix(block, []byte{0xEF, 0xBB, 0xBF}):
			block = block[3:]
		case bytes.HasPrefix(block, []byte{0xFF, 0xFE}):
			d.utf16, block = 1, block[2:]
		case bytes.HasPrefix(block, []byte{0xFE, 0xFF}):
			d.utf16, block = 2, block[2:]
		}
	}
	var out []byte
	if d.utf16 == 0 {
		// Keep an incomplete last character for the next block.
		keep := 0
		if !eof {
			for i := len(block) - 1; i >= 0 && i >= len(block)-utf8.UTFMax; i-- {
				if utf8.RuneStart(block[i]) {
					if !utf8.FullRune(block[i:]) {
						keep = len(block) - i
					}
					break
				}
			}
		}
		out, d.carry = block[:len(block)-keep], append(d.carry, block[len(block)-keep:]...)
		if bytes.IndexByte(out, 0) >= 0 {
			d.err = errBinary
			return
		}
		if !utf8.Valid(out) {
			d.err = errNotUTF8
			return
		}
		d.out = append(d.out[:0], out...)
	} else {
		if len(block)%2 != 0 {
			if eof {
				d.err = errOddUTF16
				return
			}
			d.carry = append(d.carry, block[len(block)-1])
			block = block[:len(block)-1]
		}
		d.out = d.out[:0]
		for i := 0; i+1 < len(block); i += 2 {
			var u uint16
			if d.utf16 == 1 {
				u = uint16(block[i]) | uint16(block[i+1])<<8
			} else {
				u = uint16(block[i])<<8 | uint16(block[i+1])
			}
			switch {
			case d.surr != 0 && u >= 0xDC00 && u < 0xE000:
				d.out = utf8.AppendRune(d.out, utf16.DecodeRune(rune(d.surr), rune(u)))
				d.surr = 0
				continue
			case d.surr != 0:
				d.out = utf8.AppendRune(d.out, utf8.RuneError)
				d.surr = 0
			}
			if u >= 0xD800 && u < 0xDC00 {
				d.surr = u
				continue
			}
			if u >= 0xDC00 && u < 0xE000 { // a low surrogate alone
				d.out = utf8.AppendRune(d.out, utf8.RuneError)
				continue
			}
			d.out = utf8.AppendRune(d.out, rune(u))
		}
		if eof && d.surr != 0 {
			d.out = utf8.AppendRune(d.out, utf8.RuneError)
			d.surr = 0
		}
	}
	d.n += int64(len(d.out))
	if d.limit > 0 && d.n > d.limit {
		d.out = d.out[:0]
		d.err = fmt.Errorf("%w: more than %d bytes of text", errTextLimit, d.limit)
		return
	}
	if eof {
		if len(d.carry) > 0 {
			d.err = errNotUTF8 // a character cut by the end of the file
			d.out = d.out[:0]
			return
		}
		d.err = io.EOF
	}
}
