package check

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// check's exit codes: 0 for a clean tree, ErrFindings (1) for a file a
// rule wants encrypted that is not, ErrUsage (2) for a bad --output.
func TestCheckExitCodes(t *testing.T) {
	e := cmdtest.New(t, "sops")
	testenv.WriteFile(t, e.Dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets.*\\.yaml$\n    age: "+e.Identity.Recipient().String()+"\n")
	e.Encrypted(t, "secrets.yaml", "a: b\n")
	o := &Options{Factory: e.F, Output: "table", Root: e.Dir}
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("clean tree: %v; stderr %q; stdout %q", err, e.ErrOut, e.Out)
	}
	if err := os.WriteFile("secrets-plain.yaml", []byte("a: b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.Out.Reset()
	if err := Run(context.Background(), o); !errors.Is(err, ErrFindings) || !strings.Contains(e.Out.String(), "not-encrypted") {
		t.Fatalf("plain file: %v; stdout %q", err, e.Out)
	}
	e.ErrOut.Reset()
	o.Output = "xml"
	if err := Run(context.Background(), o); !errors.Is(err, ErrUsage) || e.ErrOut.String() != "[helm-secrets] check: --output must be table, json or sarif, not \"xml\"\n" {
		t.Fatalf("bad output: %v; stderr %q", err, e.ErrOut)
	}
}
