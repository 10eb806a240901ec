package gitcmd

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
)

// textconv prints the plaintext for git diff, after the audit event of the
// decryption (command "textconv") is written.
func TestTextconvAudited(t *testing.T) {
	e := cmdtest.New(t, "sops")
	log := e.Audit(t)
	file := e.Encrypted(t, "secrets.yaml", "password: hunter2\n")
	if err := RunTextconv(context.Background(), &TextconvOptions{Factory: e.F, File: file}); err != nil {
		t.Fatalf("%v; stderr %q", err, e.ErrOut)
	}
	if !strings.Contains(e.Out.String(), "password: hunter2") {
		t.Fatalf("stdout %q", e.Out)
	}
	trail, _ := os.ReadFile(log)
	if !strings.Contains(string(trail), `"command":"textconv"`) || strings.Contains(string(trail), "hunter2") {
		t.Fatalf("audit trail:\n%s", trail)
	}
}

// An audit trail that cannot be written stops textconv before the
// plaintext is printed.
func TestTextconvAuditFailsClosed(t *testing.T) {
	e := cmdtest.New(t, "sops")
	e.Audit(t)
	file := e.Encrypted(t, "secrets.yaml", "password: hunter2\n")
	e.F.Audit.Close() // every write fails from now on
	err := RunTextconv(context.Background(), &TextconvOptions{Factory: e.F, File: file})
	if err == nil || strings.Contains(e.Out.String(), "hunter2") {
		t.Fatalf("err %v stdout %q", err, e.Out)
	}
	if !strings.Contains(e.ErrOut.String(), "refusing to go on without the audit record") {
		t.Fatalf("stderr %q", e.ErrOut)
	}
}

// diff-keys refuses an unknown --output before running git.
func TestDiffKeysOutput(t *testing.T) {
	e := cmdtest.New(t, "sops")
	err := RunDiffKeys(context.Background(), &DiffKeysOptions{Factory: e.F, Output: "yaml"})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] diff-keys: --output must be text or json, not \"yaml\"\n" {
		t.Fatalf("err %v stderr %q", err, e.ErrOut)
	}
}

// The merge driver needs SOPS files.
func TestMergeNeedsSops(t *testing.T) {
	e := cmdtest.New(t, "noop")
	err := RunMerge(context.Background(), &MergeOptions{Factory: e.F, Base: "a", Ours: "b", Theirs: "c", Path: "d"})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] merge-driver needs the sops backend (the noop backend was selected)\n" {
		t.Fatalf("err %v stderr %q", err, e.ErrOut)
	}
}
