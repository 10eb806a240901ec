//go:build unix

package atomicfile_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/foundation/atomicfile"
)

// TestWriteSweepsStaleTemps: a temporary file left by a writer
// that was killed (its flock is free) is removed by the next write to the
// same path; one a live writer holds (locked) is left alone, as are other
// files.
func TestWriteSweepsStaleTemps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".f.yaml.tmp-123")
	live := filepath.Join(dir, ".f.yaml.tmp-456")
	other := filepath.Join(dir, ".g.yaml.tmp-789")
	for _, f := range []string{stale, live, other} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	held, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(p, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file not removed: %v", err)
	}
	for _, f := range []string{live, other} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(f), err)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("content %q", b)
	}
}
