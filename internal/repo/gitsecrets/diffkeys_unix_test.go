//go:build unix

package gitsecrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// TestWorkTreeVersionBounded: diff-keys reads a work-tree file only if it
// is regular (a FIFO a repository checks out must not block it) and only
// up to the bound; a missing one is no version.
func TestWorkTreeVersionBounded(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := version(context.Background(), dir, "", "fifo.yaml"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, bounds.ErrNotRegular) {
			t.Errorf("FIFO: %v, want ErrNotRegular", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO in the work tree blocked")
	}
	if data, err := version(context.Background(), dir, "", "missing.yaml"); data != nil || err != nil {
		t.Errorf("missing file: %q, %v", data, err)
	}
	f, err := os.Create(filepath.Join(dir, "big.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxGitOutput + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := version(context.Background(), dir, "", "big.yaml"); !errors.Is(err, bounds.ErrTooLarge) {
		t.Errorf("over the bound: %v, want ErrTooLarge", err)
	}
}
