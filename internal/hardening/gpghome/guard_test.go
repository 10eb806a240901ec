package gpghome

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunGuardRemovesHomeAtEOF(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	home, err := os.MkdirTemp("", homePrefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "private.key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := RunGuard(home, "true", strings.NewReader("")); code != 0 {
		t.Fatalf("RunGuard = %d", code)
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("home still there: %v", err)
	}
}

func TestRunGuardLeavesOtherFoldersAlone(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, dir := range []string{
		filepath.Join(t.TempDir(), homePrefix+"x"), // not in the temporary directory
		filepath.Join(os.TempDir(), "other-x"),     // not one of ours by name
	} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if code := RunGuard(dir, "true", strings.NewReader("")); code != 2 {
			t.Errorf("RunGuard(%s) = %d, want 2", dir, code)
		}
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s removed: %v", dir, err)
		}
	}
}

func TestImportFailsWithoutGuard(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	defer func(g func(string, string) (func(), error)) { Guard = g }(Guard)
	Guard = func(string, string) (func(), error) { return nil, errors.New("no fork today") }
	_, _, err := Import(context.Background(), "gpg-not-run", "true", []byte("key"))
	if err == nil || !strings.Contains(err.Error(), "cannot start the guard process") || !strings.Contains(err.Error(), "no fork today") {
		t.Fatalf("Import = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), homePrefix+"*")); len(left) > 0 {
		t.Fatalf("home left behind: %q", left)
	}
}
