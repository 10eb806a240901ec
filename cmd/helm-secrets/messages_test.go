package main

import (
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestEncryptNoRecipientsMessage: encrypting without a creation rule or
// recipients fails with the sops CLI's current wording and what to do, on
// one line: no second line quoting an older sops' wording.
func TestEncryptNoRecipientsMessage(t *testing.T) {
	testenv.Isolate(t)
	dir := t.TempDir()
	file := testenv.WriteFile(t, dir, "secrets.yaml", "password: x\n")
	_, errOut, code := runCLI(t, "", "encrypt", file)
	if code == 0 {
		t.Fatalf("encrypt without recipients: exit 0\n%s", errOut)
	}
	if !strings.Contains(errOut, cmdutil.SopsNoConfig+": add a creation rule for "+file) {
		t.Fatalf("stderr lacks the sops wording and the fix:\n%s", errOut)
	}
	if strings.Contains(errOut, "older sops") || strings.Count(errOut, "\n") > 2 {
		t.Fatalf("stderr has more than the error line and its fix:\n%s", errOut)
	}
}

// TestHelpListsBackends: --help names every built-in backend, vals
// included, and custom backend scripts.
func TestHelpListsBackends(t *testing.T) {
	testenv.Isolate(t)
	out, _, code := runCLI(t, "", "--help")
	if code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "--backend ") {
			if !strings.Contains(line, "sops, vals, noop") || !strings.Contains(line, "custom backend") {
				t.Fatalf("--backend line lists %q", line)
			}
			return
		}
	}
	t.Fatalf("no --backend line in\n%s", out)
}
