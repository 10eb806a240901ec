package clean

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// clean removes FILE.dec files only (not ".dec" alone, not other files),
// naming each; a missing directory is the shell plugin's message.
func TestClean(t *testing.T) {
	e := cmdtest.New(t, "sops")
	testenv.WriteFile(t, e.Dir, "old/secrets.yaml.dec", "password: x\n")
	testenv.WriteFile(t, e.Dir, "old/sub/a.dec", "x\n")
	keep := []string{"old/.dec", "old/secrets.yaml", "old/dec"}
	for _, k := range keep {
		testenv.WriteFile(t, e.Dir, k, "x\n")
	}
	if err := Run(context.Background(), &Options{Factory: e.F, Dir: "old"}); err != nil {
		t.Fatal(err)
	}
	want := "[helm-secrets] Removed: " + filepath.Join("old", "secrets.yaml.dec") + "\n[helm-secrets] Removed: " + filepath.Join("old", "sub", "a.dec") + "\n"
	if e.ErrOut.String() != want {
		t.Fatalf("stderr %q, want %q", e.ErrOut, want)
	}
	for _, k := range keep {
		if _, err := os.Stat(k); err != nil {
			t.Fatalf("%s removed", k)
		}
	}
	e.ErrOut.Reset()
	err := Run(context.Background(), &Options{Factory: e.F, Dir: "nonexists"})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] Directory does not exist: nonexists\n" {
		t.Fatalf("err %v stderr %q", err, e.ErrOut)
	}
}
