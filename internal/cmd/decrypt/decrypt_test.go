package decrypt

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
)

// Decrypt to stdout, with the audit event naming the command and file.
func TestDecrypt(t *testing.T) {
	e := cmdtest.New(t, "sops")
	log := e.Audit(t)
	file := e.Encrypted(t, "secrets.yaml", "password: hunter2\n")
	if err := Run(context.Background(), &Options{Factory: e.F, File: file}); err != nil {
		t.Fatalf("%v; stderr %q", err, e.ErrOut)
	}
	if e.Out.String() != "password: hunter2\n" || e.ErrOut.Len() != 0 {
		t.Fatalf("stdout %q stderr %q", e.Out, e.ErrOut)
	}
	trail, _ := os.ReadFile(log)
	if !strings.Contains(string(trail), `"op":"decrypt"`) || !strings.Contains(string(trail), `"command":"decrypt"`) || strings.Contains(string(trail), "hunter2") {
		t.Fatalf("audit trail:\n%s", trail)
	}
}

// --terraform: the JSON Terraform's external data source reads, with no
// newline after it.
func TestDecryptTerraform(t *testing.T) {
	e := cmdtest.New(t, "sops")
	file := e.Encrypted(t, "secrets.yaml", "a: b\n")
	if err := Run(context.Background(), &Options{Factory: e.F, File: file, Terraform: true}); err != nil {
		t.Fatal(err)
	}
	if want := `{"content_base64":"` + base64.StdEncoding.EncodeToString([]byte("a: b\n")) + `"}`; e.Out.String() != want {
		t.Fatalf("stdout %q, want %q", e.Out, want)
	}
}

// A plain file is refused in the shell plugin's words, nothing printed.
func TestDecryptNotEncrypted(t *testing.T) {
	e := cmdtest.New(t, "sops")
	if err := os.WriteFile("plain.yaml", []byte("a: b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), &Options{Factory: e.F, File: "plain.yaml"})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] File is not encrypted: plain.yaml\n" || e.Out.Len() != 0 {
		t.Fatalf("err %v stderr %q stdout %q", err, e.ErrOut, e.Out)
	}
}

// Only local files and http(s) URLs: another scheme is refused before
// anything is fetched, its credentials masked.
func TestDecryptOtherScheme(t *testing.T) {
	e := cmdtest.New(t, "sops")
	err := Run(context.Background(), &Options{Factory: e.F, File: "ftp://user:pw@example.com/s.yaml"})
	if !errors.Is(err, cmdutil.ErrReported) || strings.Contains(e.ErrOut.String(), "pw@") ||
		!strings.Contains(e.ErrOut.String(), "only local files and http(s):// URLs can be decrypted") {
		t.Fatalf("err %v stderr %q", err, e.ErrOut)
	}
}
