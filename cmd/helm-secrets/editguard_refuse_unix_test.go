//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestEditRefusesWithoutGuard: when the edit guard cannot start, edit
// refuses before any plaintext is written or the editor runs (before, it
// went on with a debug line, and a SIGKILL then left the plaintext in
// TMPDIR).
func TestEditRefusesWithoutGuard(t *testing.T) {
	testenv.Isolate(t)
	dir, tmp := t.TempDir(), t.TempDir()
	id := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, dir, "key.txt", id.String()+"\n"))
	t.Setenv("TMPDIR", tmp)
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	file := testenv.WriteFile(t, dir, "secrets.yaml", "password: hunter2\n")
	if _, stderr, code := runCLI(t, "", "encrypt", "-i", file); code != 0 {
		t.Fatalf("encrypt: %s", stderr)
	}
	before, _ := os.ReadFile(file)
	marker := filepath.Join(dir, "editor-ran")
	editor := testenv.WriteFile(t, dir, "editor.sh", "#!/bin/sh\ntouch '"+marker+"'\necho 'password: changed' > \"$1\"\n")
	if err := os.Chmod(editor, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDITOR", editor)

	guardExecutable = func() (string, error) { return "", errors.New("no executable (test)") }
	defer func() { guardExecutable = os.Executable }()
	_, stderr, code := runCLI(t, "", "edit", file)
	if code == 0 || !strings.Contains(stderr, "edit refused: cannot start the edit guard") || !strings.Contains(stderr, "no executable (test)") {
		t.Fatalf("exit %d, stderr %q: want a refusal naming the guard", code, stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the editor ran without a guard")
	}
	if left := testenv.RegularFiles(tmp); len(left) > 0 {
		t.Fatalf("files left in TMPDIR: %v", left)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Fatalf("TMPDIR not empty: %v", entries[0].Name())
	}
	after, _ := os.ReadFile(file)
	if string(after) != string(before) {
		t.Fatal("the file changed")
	}
}
