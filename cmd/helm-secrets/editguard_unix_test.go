//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestEditSweepsAbandonedDirs: an edit removes private directories that
// neither an edit nor a guard holds (both were killed) once they are a
// minute old; a held or young one is left alone.
func TestEditSweepsAbandonedDirs(t *testing.T) {
	testenv.Isolate(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	id := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, t.TempDir(), "key.txt", id.String()+"\n"))
	dir := t.TempDir()
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	file := testenv.WriteFile(t, dir, "secrets.yaml", "password: x\n")
	if _, stderr, code := runCLI(t, "", "encrypt", "-i", file); code != 0 {
		t.Fatal(stderr)
	}
	old := time.Now().Add(-2 * time.Minute)
	mk := func(name string, mtime time.Time) string {
		d := filepath.Join(tmp, name)
		testenv.WriteFile(t, d, "secrets.yaml", "password: "+"CANARY-sweep-2b7f"+"\n")
		if err := os.Chmod(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return d
	}
	abandoned := mk(editKind().Prefix+"111", old)
	held := mk(editKind().Prefix+"222", old)
	young := mk(editKind().Prefix+"333", time.Now())
	other := mk("helm-secrets-other-444", old)
	l, err := os.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := syscall.Flock(int(l.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}

	t.Setenv("EDITOR", "true")
	if _, stderr, code := runCLI(t, "", "edit", file); code != 200 || !strings.Contains(stderr, "File has not changed") {
		t.Fatalf("edit: %d %s", code, stderr)
	}
	if _, err := os.Stat(abandoned); !os.IsNotExist(err) {
		t.Errorf("abandoned directory not swept: %v", err)
	}
	for _, d := range []string{held, young, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s swept: %v", filepath.Base(d), err)
		}
	}
}
