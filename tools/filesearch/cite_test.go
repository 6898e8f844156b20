package filesearch_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/filesearch"
)

func call(results ...responses.FileSearchResult) responses.Item {
	return responses.Item{Type: responses.ItemFileSearchCall, ID: "fs_1", Status: responses.StatusCompleted,
		Queries: []string{"q"}, Results: results}
}

func res(id, name string) responses.FileSearchResult {
	return responses.FileSearchResult{FileID: id, Filename: name, Score: 1, Text: "t"}
}

func cite(id, name string, index int) responses.Annotation {
	return responses.Annotation{Type: responses.AnnotationFileCitation, FileID: id, Filename: name, Index: &index}
}

// message decodes an assistant message with one output_text part, as a
// response carries it.
func message(t *testing.T, text string) responses.Item {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
		"content": []any{map[string]any{"type": "output_text", "text": text, "annotations": []any{}, "logprobs": []any{}}}})
	if err != nil {
		t.Fatal(err)
	}
	var it responses.Item
	if err := json.Unmarshal(b, &it); err != nil {
		t.Fatal(err)
	}
	return it
}

func TestCite(t *testing.T) {
	a, b, c := res("file-a", "docs/a.md"), res("file-b", "docs/b.txt"), res("file-c", "other/a.md")
	for _, tc := range []struct {
		name  string
		text  string
		calls []responses.Item
		want  []responses.Annotation
	}{
		{"marker", "Refunds take 5 days [1].", []responses.Item{call(a, b)},
			[]responses.Annotation{cite("file-a", "docs/a.md", 20)}},
		{"two markers", "X [2]. Y [1][2].", []responses.Item{call(a, b)},
			[]responses.Annotation{cite("file-b", "docs/b.txt", 2), cite("file-a", "docs/a.md", 9), cite("file-b", "docs/b.txt", 12)}},
		{"list", "X [1, 2].", []responses.Item{call(a, b)},
			[]responses.Annotation{cite("file-a", "docs/a.md", 2), cite("file-b", "docs/b.txt", 2)}},
		{"list of one file", "X [1, 2].", []responses.Item{call(a, res("file-a", "docs/a.md"))},
			[]responses.Annotation{cite("file-a", "docs/a.md", 2)}},
		{"lenticular", "X 【2†source】 and 【1】.", []responses.Item{call(a, b)},
			[]responses.Annotation{cite("file-b", "docs/b.txt", 2), cite("file-a", "docs/a.md", 17)}},
		{"out of range", "X [3] [0].", []responses.Item{call(a, b)}, nil},
		{"markdown link", "See [1](https://x.test).", []responses.Item{call(a)}, nil},
		{"code points, not bytes", "Él dijo «sí» [1].", []responses.Item{call(a)},
			[]responses.Annotation{cite("file-a", "docs/a.md", 13)}},
		{"latest call with n results", "X [1] [2].", []responses.Item{call(a, b), call(c)},
			[]responses.Annotation{cite("file-c", "other/a.md", 2), cite("file-b", "docs/b.txt", 6)}},
		{"failed calls ignored", "X [1].", []responses.Item{call(a), {Type: responses.ItemFileSearchCall, Status: responses.StatusFailed}}, []responses.Annotation{cite("file-a", "docs/a.md", 2)}},
		{"full filename", "See docs/b.txt.", []responses.Item{call(a, b)},
			[]responses.Annotation{cite("file-b", "docs/b.txt", 4)}},
		{"base name", "b.txt says so; also (b.txt).", []responses.Item{call(a, b)},
			[]responses.Annotation{cite("file-b", "docs/b.txt", 0), cite("file-b", "docs/b.txt", 21)}},
		{"shared base name needs the full name", "a.md and other/a.md", []responses.Item{call(a, c)},
			[]responses.Annotation{cite("file-c", "other/a.md", 9)}},
		{"not inside a longer name", "ab.txt, b.txt2, b.txt.bak", []responses.Item{call(b)}, nil},
		{"marker and name", "docs/a.md says 5 days [1].", []responses.Item{call(a)},
			[]responses.Annotation{cite("file-a", "docs/a.md", 0), cite("file-a", "docs/a.md", 22)}},
		{"no calls", "X [1].", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := message(t, tc.text)
			raw := string(msg.Raw())
			got := filesearch.Cite(msg, tc.calls)
			if string(msg.Raw()) != raw || len(msg.Content[0].Annotations) != 0 {
				t.Fatal("Cite modified its argument")
			}
			if tc.want == nil {
				if got.Raw() == nil {
					t.Errorf("Cite rebuilt a message it did not annotate")
				}
				if len(got.Content[0].Annotations) != 0 {
					t.Errorf("annotations = %+v, want none", got.Content[0].Annotations)
				}
				return
			}
			if got.Raw() != nil {
				t.Errorf("the annotated message keeps the bytes it was decoded from")
			}
			if diff := cmp.Diff(tc.want, got.Content[0].Annotations, cmpopts.IgnoreUnexported(responses.Annotation{})); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
			if got.Content[0].Text != tc.text || got.Text() != tc.text {
				t.Errorf("text changed to %q", got.Text())
			}
			// Applying it again adds nothing.
			again := filesearch.Cite(got, tc.calls)
			if diff := cmp.Diff(got.Content[0].Annotations, again.Content[0].Annotations, cmpopts.IgnoreUnexported(responses.Annotation{})); diff != "" {
				t.Errorf("second Cite changed the annotations:\n%s", diff)
			}
		})
	}
}

func TestCiteEncoding(t *testing.T) {
	msg := message(t, "Refunds take 5 days [1].")
	got := filesearch.Cite(msg, []responses.Item{call(res("file-a", "a.md"))})
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Refunds take 5 days [1].","annotations":[{"type":"file_citation","file_id":"file-a","filename":"a.md","index":20}],"logprobs":[]}],"status":"completed"}`
	if string(b) != want {
		t.Errorf("encoded:\n got %s\nwant %s", b, want)
	}
}

func TestCiteKeepsOtherParts(t *testing.T) {
	msg := responses.Item{Type: responses.ItemMessage, Role: responses.RoleAssistant, Content: []responses.ContentPart{
		{Type: responses.ContentOutputText, Text: "First [1].", Annotations: []responses.Annotation{{Type: responses.AnnotationURLCitation, URL: "https://x.test", StartIndex: new(int), EndIndex: new(int)}}},
		{Type: responses.ContentRefusal, Refusal: "no"},
		{Type: responses.ContentOutputText, Text: "Second [1]."},
	}}
	got := filesearch.Cite(msg, []responses.Item{call(res("file-a", "a.md"))})
	if len(got.Content) != 3 || got.Content[1].Refusal != "no" {
		t.Fatalf("content = %+v", got.Content)
	}
	want0 := []responses.Annotation{msg.Content[0].Annotations[0], cite("file-a", "a.md", 6)}
	if diff := cmp.Diff(want0, got.Content[0].Annotations, cmpopts.IgnoreUnexported(responses.Annotation{})); diff != "" {
		t.Errorf("part 0 annotations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]responses.Annotation{cite("file-a", "a.md", 7)}, got.Content[2].Annotations, cmpopts.IgnoreUnexported(responses.Annotation{})); diff != "" {
		t.Errorf("part 2 annotations (-want +got):\n%s", diff)
	}
	if len(msg.Content[2].Annotations) != 0 {
		t.Error("Cite modified its argument's parts")
	}
}
