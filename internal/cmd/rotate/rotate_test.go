package rotate

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
)

// One file to stdout: a new data key (other ciphertext), the same
// plaintext, the file untouched, and both audit events of a rotation.
func TestRotateToStdout(t *testing.T) {
	e := cmdtest.New(t, "sops")
	log := e.Audit(t)
	file := e.Encrypted(t, "secrets.yaml", "password: hunter2\n")
	before, _ := os.ReadFile(file)

	if err := Run(context.Background(), &Options{Factory: e.F, File: file}); err != nil {
		t.Fatalf("rotate: %v; stderr %q", err, e.ErrOut)
	}
	if e.Out.String() == string(before) || !strings.Contains(e.Out.String(), "sops:") {
		t.Fatalf("stdout is not a rotated document:\n%s", e.Out)
	}
	if got := e.Decrypt(t, e.Out.Bytes()); got != "password: hunter2\n" {
		t.Fatalf("rotated plaintext %q", got)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatal("rotate without -i changed the file")
	}
	trail, _ := os.ReadFile(log)
	for _, op := range []string{`"op":"decrypt"`, `"op":"encrypt"`} {
		if !strings.Contains(string(trail), op) || !strings.Contains(string(trail), `"command":"rotate"`) {
			t.Fatalf("audit trail lacks %s of rotate:\n%s", op, trail)
		}
	}
	if strings.Contains(string(trail), "hunter2") {
		t.Fatal("plaintext in the audit trail")
	}
}

// The noop backend has no data key to rotate: the shell plugin's kind of
// message, exit 1, nothing on stdout.
func TestRotateNeedsSops(t *testing.T) {
	e := cmdtest.New(t, "noop")
	file := e.Encrypted(t, "secrets.yaml", "a: b\n")
	err := Run(context.Background(), &Options{Factory: e.F, File: file})
	if !errors.Is(err, cmdutil.ErrReported) {
		t.Fatalf("err %v", err)
	}
	if want := "[helm-secrets] rotate needs the sops backend (the noop backend was selected)\n"; e.ErrOut.String() != want || e.Out.Len() != 0 {
		t.Fatalf("stderr %q stdout %q", e.ErrOut, e.Out)
	}
}

// A plain file is refused by name, in the shell plugin's words.
func TestRotateNotEncrypted(t *testing.T) {
	e := cmdtest.New(t, "sops")
	if err := os.WriteFile("plain.yaml", []byte("a: b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), &Options{Factory: e.F, File: "plain.yaml", InPlace: true})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] File is not encrypted: plain.yaml\n" {
		t.Fatalf("err %v stderr %q", err, e.ErrOut)
	}
}
