package shellbackend

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestExampleBackend runs examples/backends/env.sh through every call.
func TestExampleBackend(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("custom backends are sh scripts")
	}
	var stderr bytes.Buffer
	s := &Script{Path: filepath.Join("..", "..", "..", "examples", "backends", "env.sh"), Stderr: &stderr, Limit: 1 << 20}
	dir := t.TempDir()
	enc := testenv.WriteFile(t, dir, "secrets.yaml", "password: !env E2E_PASSWORD\nuser: admin\n")
	plain := testenv.WriteFile(t, dir, "values.yaml", "user: admin\n")
	t.Setenv("E2E_PASSWORD", `hun"ter\2`)
	ctx := context.Background()

	if ok, err := s.IsFileEncrypted(ctx, enc); !ok || err != nil {
		t.Fatalf("IsFileEncrypted(secrets) = %t, %v", ok, err)
	}
	if ok, err := s.IsFileEncrypted(ctx, plain); ok || err != nil {
		t.Fatalf("IsFileEncrypted(values) = %t, %v", ok, err)
	}
	if _, err := s.EncryptFile(ctx, enc, true); !errors.Is(err, ErrAlreadyEncrypted) {
		t.Fatalf("EncryptFile(encrypted) = %v", err)
	}
	want := "password: \"hun\\\"ter\\\\2\"\nuser: admin\n"
	if out, err := s.DecryptFile(ctx, "yaml", enc); err != nil || string(out) != want {
		t.Fatalf("DecryptFile = %q, %v", out, err)
	}
	if _, err := s.DecryptFile(ctx, "yaml", plain); !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("DecryptFile(plain) = %v", err)
	}
	if out, err := s.Decrypt(ctx, "yaml", []byte("password: !env E2E_PASSWORD\nuser: admin\n")); err != nil || string(out) != want {
		t.Fatalf("Decrypt = %q, %v", out, err)
	}
	if out, err := s.DecryptLiteral(ctx, "!env E2E_PASSWORD"); err != nil || string(out) != `hun"ter\2` {
		t.Fatalf("DecryptLiteral = %q, %v", out, err)
	}
	stderr.Reset()
	_, err := s.EncryptFile(ctx, plain, false)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Func != "_custom_backend_encrypt_file" || !strings.Contains(stderr.String(), "[helm-secrets] [error] Encrypting files is not supported!") {
		t.Fatalf("EncryptFile: %v, stderr %q", err, stderr.String())
	}
	// An unset variable fails, naming it, not its (absent) value.
	testenv.WriteFile(t, dir, "missing.yaml", "x: !env E2E_NOT_SET_ANYWHERE\n")
	stderr.Reset()
	if _, err := s.DecryptFile(ctx, "yaml", filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(stderr.String(), "E2E_NOT_SET_ANYWHERE is not set") {
		t.Fatalf("unset variable: %v, %q", err, stderr.String())
	}
	// The plaintext a backend may print is bounded.
	s.Limit = 10
	if _, err := s.DecryptFile(ctx, "yaml", enc); err == nil || !strings.Contains(err.Error(), "over 10 bytes") {
		t.Fatalf("limit: %v", err)
	}
}
