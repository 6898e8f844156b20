package browser

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBoard(t *testing.T) {
	var b board
	b.notice("first")
	for i := range 12 {
		b.refused(fmt.Sprintf("h%d.test:443", i), fmt.Errorf("%w: h%d.test is not on the allow list", ErrBlocked, i))
	}
	b.refused("h0.test:443", errors.New("again"))
	got := b.take()
	want := []string{"first", "The domain policy refused connections the page tried to make, so they failed: " +
		"h0.test:443 (h0.test is not on the allow list); h1.test:443 (h1.test is not on the allow list); h2.test:443 (h2.test is not on the allow list); " +
		"h3.test:443 (h3.test is not on the allow list); h4.test:443 (h4.test is not on the allow list); h5.test:443 (h5.test is not on the allow list); " +
		"h6.test:443 (h6.test is not on the allow list); h7.test:443 (h7.test is not on the allow list); and more."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := b.take(); len(got) != 0 {
		t.Errorf("taken twice: %q", got)
	}
	for i := range maxNotices + 5 {
		b.notice(fmt.Sprint(i))
	}
	if got := b.take(); len(got) != maxNotices || got[0] != "5" || got[len(got)-1] != fmt.Sprint(maxNotices+4) {
		t.Errorf("a board nobody reads kept %d notices: %s … %s", len(got), got[0], strings.Join(got[len(got)-1:], ""))
	}
}
