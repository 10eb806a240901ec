//go:build linux

package edit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunEditorSeesPrivateFile: the editor gets a 0600 file named like the
// original in a 0700 directory, in TMPDIR, while a guard watches it.
func TestRunEditorSeesPrivateFile(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "seen")
	editor := script(t, `stat -c '%a %n' "$1" "$(dirname "$1")" > '`+out+`'`)
	if err := Run(context.Background(), f.options(t, f.file, editor, &lines{})); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("Run = %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(got) != 2 || !strings.HasPrefix(got[0], "600 "+f.tmp+"/"+Kind().Prefix) || !strings.HasSuffix(got[0], "/secrets.yaml") || !strings.HasPrefix(got[1], "700 "+f.tmp+"/"+Kind().Prefix) {
		t.Errorf("the editor saw %q", got)
	}
	f.tmpEmpty(t)
}
