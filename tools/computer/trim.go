package computer

import "github.com/agentloop/agentloop/responses"

// TrimScreenshots returns a copy of items in which the image of every
// computer_call_output but the newest keep ones is [PlaceholderImageURL], so
// that a long session does not resend every screenshot it ever took. The
// replaced items are new items built from their fields (raw bytes cleared);
// their call_id, current_url and acknowledged checks stay. The input slice and
// its items are never modified. Outputs that refer to a file_id, or already
// carry a placeholder (this one, or responses.PlaceholderScreenshot, the
// image of a screenshot that failed), are left as they are and still count
// toward keep.
// keep < 0 trims nothing.
//
// The API answers 400 when an old screenshot is replaced with text, so a
// placeholder image it is. Call it on the history before each request.
func TrimScreenshots(items []responses.Item, keep int) []responses.Item {
	out := make([]responses.Item, len(items))
	copy(out, items)
	if keep < 0 {
		return out
	}
	seen := 0
	for i := len(out) - 1; i >= 0; i-- {
		it := &out[i]
		if it.Type != responses.ItemComputerCallOutput || it.Screenshot == nil {
			continue
		}
		seen++
		if seen <= keep {
			continue
		}
		u := it.Screenshot.ImageURL
		if u == "" || u == PlaceholderImageURL || u == responses.PlaceholderScreenshot {
			continue
		}
		shot := *it.Screenshot
		shot.ImageURL = PlaceholderImageURL
		if shot.Type == "" {
			shot.Type = responses.ContentComputerScreenshot
		}
		it.Screenshot = &shot
		it.ClearRaw()
	}
	return out
}

// needsTrim reports whether TrimScreenshots(items, keep) would change
// anything.
func needsTrim(items []responses.Item, keep int) bool {
	seen := 0
	for i := len(items) - 1; i >= 0; i-- {
		it := &items[i]
		if it.Type != responses.ItemComputerCallOutput || it.Screenshot == nil {
			continue
		}
		seen++
		if u := it.Screenshot.ImageURL; seen > keep && u != "" && u != PlaceholderImageURL && u != responses.PlaceholderScreenshot {
			return true
		}
	}
	return false
}
