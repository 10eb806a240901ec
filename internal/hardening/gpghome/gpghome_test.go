package gpghome

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestImportFailsWithoutGuard(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no guard on Windows")
	}
	t.Setenv("TMPDIR", t.TempDir())
	o := Options{GPG: "gpg-not-run", GPGConf: "true", GuardExecutable: func() (string, error) { return "", errors.New("no fork today") }}
	_, _, err := Import(context.Background(), o, []byte("key"))
	if err == nil || err.Error() != "cannot start the guard process that removes the private GNUPGHOME if this run is killed: no fork today" {
		t.Fatalf("Import = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), homePrefix+"*")); len(left) > 0 {
		t.Fatalf("home left behind: %q", left)
	}
}

// TestKindStopsAgent: removing a home (the cleanup, the guard, a sweep)
// first stops its daemons with the gpgconf the guard was given.
func TestKindStopsAgent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a shell script stands in for gpgconf")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "gpgconf.log")
	gpgconf := filepath.Join(dir, "gpgconf")
	if err := os.WriteFile(gpgconf, []byte("#!/bin/sh\necho \"$@\" >> '"+log+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	k := Kind()
	if k.Prefix != homePrefix || k.Command != "__gpg-guard" || k.Operands != 1 {
		t.Fatalf("Kind = %+v", k)
	}
	k.Clean("/some/home", []string{gpgconf})
	b, err := os.ReadFile(log)
	if err != nil || strings.TrimSpace(string(b)) != "--homedir /some/home --kill all" {
		t.Fatalf("gpgconf ran with %q (%v)", b, err)
	}
}
