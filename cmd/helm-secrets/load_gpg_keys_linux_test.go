//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestLoadGPGKeysEveryCommand: HELM_SECRETS_LOAD_GPG_KEYS (a key file or a
// folder of them) is imported for decrypt, the wrapper, edit and encrypt,
// as in the shell plugin, not only for secrets://; the private GNUPGHOME
// and its gpg-agent are gone afterwards, and GNUPGHOME is what it was.
func TestLoadGPGKeysEveryCommand(t *testing.T) {
	gpg := testenv.Tool(t, "GPG_BIN", "gpg")
	testenv.Isolate(t)
	t.Setenv("SOPS_GPG_EXEC", gpg)
	fpr := newGPGKey(t, gpg) // in its own GNUPGHOME, for now
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	export := exec.Command(gpg, "--batch", "--armor", "--export-secret-keys", fpr)
	key, err := export.Output()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := testenv.WriteFile(t, keys, "private.asc", string(key))
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - pgp: "+fpr+"\n")
	secrets := testenv.WriteFile(t, dir, "secrets.yaml", "password: hunter2\n")
	if _, stderr, code := runCLI(t, "", "encrypt", "-i", secrets); code != 0 {
		t.Fatalf("encrypt: %s", stderr)
	}
	fake := testenv.WriteFile(t, dir, "fake-helm.sh", "#!/bin/sh\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = -f ]; then cat \"$2\"; shift; fi\n  shift\ndone\n")
	if err := os.Chmod(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HELM_SECRETS_HELM_PATH", fake)

	// From now on the user's keyring is empty.
	empty, err := os.MkdirTemp("", "hs-empty-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command(gpgconf(gpg), "--homedir", empty, "--kill", "all").Run()
		os.RemoveAll(empty)
	})
	if err := os.Chmod(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GNUPGHOME", empty)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	if _, _, code := runCLI(t, "", "decrypt", secrets); code == 0 {
		t.Fatal("decrypt without the key succeeded")
	}
	for _, load := range []string{keyFile, keys, "/nonexistent/first " + keyFile} {
		t.Run(filepath.Base(load), func(t *testing.T) {
			t.Setenv("HELM_SECRETS_LOAD_GPG_KEYS", load)
			if strings.HasPrefix(load, "/nonexistent") {
				_, stderr, code := runCLI(t, "", "decrypt", secrets)
				if code == 0 || !strings.Contains(stderr, "HELM_SECRETS_LOAD_GPG_KEYS") {
					t.Fatalf("a missing key location: exit %d %s", code, stderr)
				}
				return
			}
			if stdout, stderr, code := runCLI(t, "", "decrypt", secrets); code != 0 || stdout != "password: hunter2\n" {
				t.Fatalf("decrypt: exit %d %q %s", code, stdout, stderr)
			}
			if stdout, stderr, code := runCLI(t, "", "-q", "template", "chart", "-f", secrets); code != 0 || stdout != "password: hunter2\n" {
				t.Fatalf("wrapper: exit %d %q %s", code, stdout, stderr)
			}
			t.Setenv("EDITOR", "true")
			if _, stderr, code := runCLI(t, "", "edit", secrets); code != 200 {
				t.Fatalf("edit (unchanged, so 200 after decrypting): exit %d %s", code, stderr)
			}
			other := testenv.WriteFile(t, dir, "other-"+filepath.Base(load)+".yaml", "token: t0k3n\n")
			if stdout, stderr, code := runCLI(t, "", "encrypt", other); code != 0 || !strings.Contains(stdout, fpr) {
				t.Fatalf("encrypt for the loaded key: exit %d %s", code, stderr)
			}
		})
	}
	if got := os.Getenv("GNUPGHOME"); got != empty {
		t.Fatalf("GNUPGHOME is %q afterwards, want %q", got, empty)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "helm-secrets-gnupg-*")); len(left) > 0 {
		t.Fatalf("private GNUPGHOMEs left: %q", left)
	}
	if live := testenv.LiveProcesses("helm-secrets-gnupg-"); len(live) > 0 {
		t.Fatalf("gpg daemons left: %q", live)
	}
}
