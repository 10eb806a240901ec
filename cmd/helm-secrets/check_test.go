package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestCheckExitCodes: 0 clean, 1 findings, 2 usage or I/O error.
func TestCheckExitCodes(t *testing.T) {
	testenv.Isolate(t)
	testenv.Tool(t, "GIT_BIN", "git")
	dir := t.TempDir()
	t.Chdir(dir)
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: secret\n    age: "+testenv.AgeKey(t).Recipient().String()+"\n")
	testenv.WriteFile(t, dir, "README.md", "x\n")
	code := func(args ...string) int {
		var out, errOut bytes.Buffer
		return run(append([]string{"check"}, args...), IOStreams{Stdout: &out, Stderr: &errOut})
	}
	if c := code(); c != 0 {
		t.Errorf("clean: exit %d", c)
	}
	testenv.WriteFile(t, dir, "secret.yaml", "a: b\n")
	if c := code(); c != 1 {
		t.Errorf("findings: exit %d", c)
	}
	for _, args := range [][]string{{"-o", "xml"}, {"--max-age", "x"}, {"--no-such-flag"}, {"missing-file"}, {"--allow-list", "nope"}, {"/"}} {
		if c := code(args...); c != 2 {
			t.Errorf("%q: exit %d, want 2", args, c)
		}
	}
	if err := os.Remove(filepath.Join(dir, "secret.yaml")); err != nil {
		t.Fatal(err)
	}
}
