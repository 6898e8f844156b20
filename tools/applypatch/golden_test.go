package applypatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/applypatch"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// archive is a txtar file: a comment, then files introduced by "-- name --"
// lines.
type archive struct {
	comment string
	files   []archiveFile
}

type archiveFile struct {
	name string
	data string
}

func parseArchive(b string) archive {
	var a archive
	cur := -1
	for _, line := range strings.SplitAfter(b, "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			a.files = append(a.files, archiveFile{name: trimmed[3 : len(trimmed)-3]})
			cur = len(a.files) - 1
			continue
		}
		if cur < 0 {
			a.comment += line
		} else {
			a.files[cur].data += line
		}
	}
	return a
}

func (a archive) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, f := range a.files {
		b.WriteString("-- " + f.name + " --\n")
		b.WriteString(f.data)
		if f.data != "" && !strings.HasSuffix(f.data, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestGolden applies each testdata/*.txtar: the files under before/ are
// written to a temporary directory, then the "call" (an apply_patch_call,
// answered by the tool) or the "patch" (a *** Begin Patch patch, parsed
// and applied) is applied; the "output" and the files afterwards (after/)
// must match the archive. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, name := range names {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".txtar"), func(t *testing.T) {
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			in := parseArchive(string(raw))
			dir := t.TempDir()
			var call, patch *string
			out := archive{comment: in.comment}
			for i := range in.files {
				f := &in.files[i]
				switch {
				case strings.HasPrefix(f.name, "before/"):
					p := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(f.name, "before/")))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
						t.Fatal(err)
					}
				case f.name == "call":
					call = &f.data
				case f.name == "patch":
					patch = &f.data
				default:
					continue // an output: computed below
				}
				out.files = append(out.files, *f)
			}
			ed, err := applypatch.NewDisk(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer ed.Close()
			var result string
			switch {
			case call != nil:
				var it responses.Item
				if err := json.Unmarshal([]byte(strings.TrimSpace(*call)), &it); err != nil {
					t.Fatal(err)
				}
				o, err := applypatch.New(ed, nil).CallItem(context.Background(), &it)
				if err != nil {
					t.Fatal(err)
				}
				b, err := o.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				var pretty bytes.Buffer
				_ = json.Indent(&pretty, b, "", "  ")
				result = pretty.String() + "\n"
			case patch != nil:
				changes, err := applypatch.Parse(*patch)
				var done []string
				if err == nil {
					done, err = applypatch.Apply(context.Background(), ed, changes...)
				}
				if err != nil {
					result = "error: " + err.Error() + "\n"
				} else {
					result = strings.Join(done, "\n") + "\n"
				}
			default:
				t.Fatal(`the archive has neither a "call" nor a "patch"`)
			}
			out.files = append(out.files, archiveFile{name: "output", data: result})
			out.files = append(out.files, listFiles(t, dir)...)
			got := out.format()
			if *update {
				if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(raw), got); diff != "" {
				t.Errorf("(-golden +got), run with -update to accept:\n%s", diff)
			}
		})
	}
}

// listFiles returns the files under dir as after/ entries, sorted.
func listFiles(t *testing.T, dir string) []archiveFile {
	t.Helper()
	var files []archiveFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, archiveFile{name: "after/" + filepath.ToSlash(rel), data: string(b)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files
}
