//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestInPlaceIsAtomic: every in-place command replaces the file by renaming
// a complete new one over it (a new inode; a reader never sees half a
// file), keeps its mode, and leaves no temporary file behind.
func TestInPlaceIsAtomic(t *testing.T) {
	testenv.Isolate(t)
	dir := t.TempDir()
	id := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, t.TempDir(), "key.txt", id.String()+"\n"))
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	file := testenv.WriteFile(t, dir, "secrets.yaml", "password: hunter2\n")
	if err := os.Chmod(file, 0o640); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDITOR", "sed -i s/hunter2/changed/")

	for _, args := range [][]string{
		{"encrypt", "-i", file},
		{"rotate", "-i", file},
		{"edit", file},
		{"decrypt", "-i", file},
		{"enc", file},
	} {
		before := testenv.Inode(t, file)
		if _, stderr, code := runCLI(t, "", args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", args[0], code, stderr)
		}
		if testenv.Inode(t, file) == before {
			t.Errorf("%s: the file was rewritten in place, not replaced", args[0])
		}
		st, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %04o, want 0640", args[0], st.Mode().Perm())
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 2 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s: directory holds %q", args[0], names)
		}
	}
	if stdout, _, _ := runCLI(t, "", "decrypt", filepath.Join(dir, "secrets.yaml")); stdout != "password: changed\n" {
		t.Errorf("after all commands: %q", stdout)
	}
}
