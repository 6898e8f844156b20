package responses

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxEventSize is the default cap on the data of one SSE event.
const DefaultMaxEventSize = 64 << 20

// sseReader reads server-sent events: it returns the data of each event,
// multi-line data joined with "\n". It handles LF, CRLF and CR line endings,
// skips comment lines (": PING"), ignores the event, id and retry fields
// (dispatch is on the JSON type), and treats "data: [DONE]" as the end of
// the stream. Lines have no length limit below max, the cap on one event.
type sseReader struct {
	r      *bufio.Reader
	max    int
	line   []byte // the current line, reused
	data   []byte // the current event's data, reused
	skipLF bool   // the last line ended with '\r': drop a '\n' that follows
	done   bool
}

// errEventTooLarge is wrapped by the error returned for an event over the
// cap.
var errEventTooLarge = errors.New("SSE event too large")

func newSSEReader(r io.Reader, max int) *sseReader {
	if max <= 0 {
		max = DefaultMaxEventSize
	}
	return &sseReader{r: bufio.NewReaderSize(r, 4<<10), max: max}
}

func (s *sseReader) tooLarge() error {
	return fmt.Errorf("responses: %w: more than %d bytes (raise Options.MaxEventSize)", errEventTooLarge, s.max)
}

// readLine returns the next line without its terminator, and whether a
// terminator was seen (false for a last line cut by EOF). The slice is valid
// until the next call.
func (s *sseReader) readLine() (line []byte, terminated bool, err error) {
	s.line = s.line[:0]
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				if err == io.EOF && len(s.line) > 0 {
					return s.line, false, nil
				}
				return nil, false, err
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		if s.skipLF {
			s.skipLF = false
			if buf[0] == '\n' {
				_, _ = s.r.Discard(1)
				continue
			}
		}
		end := bytes.IndexByte(buf, '\n')
		lim := end
		if lim < 0 {
			lim = len(buf)
		}
		if cr := bytes.IndexByte(buf[:lim], '\r'); cr >= 0 {
			end = cr
			s.skipLF = true
		}
		if end >= 0 {
			// Copy the line out of the buffer, so it survives the next fill.
			s.line = append(s.line, buf[:end]...)
			_, _ = s.r.Discard(end + 1)
			if len(s.line) > s.max+16 { // "data: " and some slack
				return nil, false, s.tooLarge()
			}
			return s.line, true, nil
		}
		s.line = append(s.line, buf...)
		_, _ = s.r.Discard(len(buf))
		if len(s.line) > s.max+16 {
			return nil, false, s.tooLarge()
		}
	}
}

// next returns the data of the next event. It returns io.EOF at the end of
// the stream: a "[DONE]" event, or EOF after a complete event. An event
// whose last line was cut by EOF is dropped. The slice is valid until the
// next call.
func (s *sseReader) next() ([]byte, error) {
	if s.done {
		return nil, io.EOF
	}
	s.data = s.data[:0]
	has := false
	for {
		line, terminated, err := s.readLine()
		if err != nil {
			if err == io.EOF && has {
				// The stream ended without the blank line after an event
				// whose lines are all complete: deliver it.
				return s.dispatch()
			}
			return nil, err
		}
		if !terminated {
			// A line cut by EOF is incomplete: drop it and its event.
			return nil, io.EOF
		}
		if len(line) == 0 {
			if has {
				return s.dispatch()
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(field) != "data" {
			continue // event, id, retry and unknown fields
		}
		if has {
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, value...)
		has = true
		if len(s.data) > s.max {
			return nil, s.tooLarge()
		}
	}
}

func (s *sseReader) dispatch() ([]byte, error) {
	if string(bytes.TrimSpace(s.data)) == "[DONE]" {
		s.done = true
		return nil, io.EOF
	}
	return s.data, nil
}
