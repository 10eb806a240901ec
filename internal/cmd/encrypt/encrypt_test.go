package encrypt

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
)

// Encrypt to stdout: a SOPS document of the plaintext, the file left
// plain; encrypting that output again is refused by name.
func TestEncrypt(t *testing.T) {
	e := cmdtest.New(t, "sops")
	if err := os.WriteFile("secrets.yaml", []byte("password: hunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), &Options{Factory: e.F, File: "secrets.yaml"}); err != nil {
		t.Fatalf("%v; stderr %q", err, e.ErrOut)
	}
	if strings.Contains(e.Out.String(), "hunter2") || e.Decrypt(t, e.Out.Bytes()) != "password: hunter2\n" {
		t.Fatalf("stdout is not the encrypted document:\n%s", e.Out)
	}
	if e.ErrOut.Len() != 0 {
		t.Fatalf("stderr %q", e.ErrOut)
	}
	if err := os.WriteFile("enc.yaml", e.Out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e.Out.Reset()
	err := Run(context.Background(), &Options{Factory: e.F, File: "enc.yaml", InPlace: true})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] Already encrypted: enc.yaml\n" || e.Out.Len() != 0 {
		t.Fatalf("err %v stderr %q stdout %q", err, e.ErrOut, e.Out)
	}
}

// Empty values, which the MAC does not cover, are warned about even with
// -q, and the file is still encrypted in place.
func TestEncryptWarnsEmptyValues(t *testing.T) {
	e := cmdtest.New(t, "sops")
	e.F.Quiet = true
	if err := os.WriteFile("secrets.yaml", []byte("a: \"\"\nb: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), &Options{Factory: e.F, File: "secrets.yaml", InPlace: true}); err != nil {
		t.Fatalf("%v; stderr %q", err, e.ErrOut)
	}
	want := "[helm-secrets] [WARNING] secrets.yaml: 1 empty value(s) not covered by the MAC (anyone can add or change such keys undetected; HELM_SECRETS_STRICT=true refuses the file): a\n"
	if e.ErrOut.String() != want {
		t.Fatalf("stderr %q, want %q", e.ErrOut, want)
	}
	if data, _ := os.ReadFile("secrets.yaml"); !strings.Contains(string(data), "sops:") || e.Out.Len() != 0 {
		t.Fatalf("not encrypted in place:\n%s", data)
	}
}

// A missing file: the shell plugin's message.
func TestEncryptMissingFile(t *testing.T) {
	e := cmdtest.New(t, "sops")
	err := Run(context.Background(), &Options{Factory: e.F, File: "nope.yaml"})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] File does not exist: nope.yaml\n" {
		t.Fatalf("err %v stderr %q", err, e.ErrOut)
	}
}
