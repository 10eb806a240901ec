//go:build unix

package fetch

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A plugin.yaml that is a FIFO with no writer, or larger than 1 MiB, is
// skipped without blocking or reading it whole; a valid plugin beside them
// still serves its scheme.
func TestPluginManifestBounded(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"fifo", "huge", "good"} {
		if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo", "plugin.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	huge := "name: huge\ndownloaders:\n  - command: get\n    protocols: [\"huge\"]\n# " + strings.Repeat("x", 1<<20) + "\n"
	if err := os.WriteFile(filepath.Join(root, "huge", "plugin.yaml"), []byte(huge), 0o644); err != nil {
		t.Fatal(err)
	}
	good := "name: good\ndownloaders:\n  - command: get\n    protocols: [\"good\"]\n"
	if err := os.WriteFile(filepath.Join(root, "good", "plugin.yaml"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan [2]bool, 1)
	go func() {
		f := &Fetcher{PluginDirs: []string{root}}
		done <- [2]bool{f.Handles("good://x"), f.Handles("huge://x")}
	}()
	select {
	case got := <-done:
		if !got[0] || got[1] {
			t.Fatalf("good handled %t, huge handled %t", got[0], got[1])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("loading the plugins blocked on the FIFO")
	}
}
