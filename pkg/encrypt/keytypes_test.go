package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// keyTypesPlain is already in the form sops emits, so that every
// decryption must give it back byte for byte.
const keyTypesPlain = "password: " + canary + "\nnested:\n    list:\n        - a\n        - 2\n    token_unencrypted: visible\nport: 5432\n"

// sopsRule writes a .sops.yaml into dir with one creation rule for
// secrets*.yaml whose age recipients are rcpts.
func sopsRule(t *testing.T, dir string, rcpts ...string) {
	t.Helper()
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    age: \""+strings.Join(rcpts, ",")+"\"\n")
}

// sopsCLI runs the real sops CLI in dir with the test's environment.
func sopsCLI(t *testing.T, dir string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "SOPS_BIN", "sops"), args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New(err.Error() + ": " + stderr.String())
	}
	return out, nil
}

// TestAgeKeyKindsMatchSopsCLI: for every age key kind besides X25519
// (post-quantum hybrid age1pq1…, ssh-ed25519, ssh-rsa, an age plugin
// speaking the real plugin protocol), configured as users configure sops
// (a .sops.yaml rule with the recipient; the private key in
// SOPS_AGE_KEY_FILE or SOPS_AGE_SSH_PRIVATE_KEY_FILE), the engine with
// keys from the environment:
//   - encrypts following the rule, and the real sops CLI decrypts the
//     result to the plaintext; sops' own encryption decrypts here to what
//     sops -d prints (byte for byte, both directions);
//   - the lean decryptor handles the file natively with the same bytes
//     (hybrid) or declines with ErrUnsupported (SSH, plugin identities),
//     never a different result;
//   - rotate and updatekeys (adding a second key of the kind) give files
//     the sops CLI decrypts, updatekeys with the new key alone;
//   - a plugin runs only when allowed (HELM_SECRETS_AGE_PLUGIN_ALLOWLIST,
//     Keys.AgePlugins): encrypting by a rule, edit of a new file, rotate
//     and updatekeys are refused with ErrAgePluginNotAllowed before it
//     starts; decryption with the user's own plugin identity needs no
//     allowance.
func TestAgeKeyKindsMatchSopsCLI(t *testing.T) {
	testenv.Tool(t, "SOPS_BIN", "sops")
	for _, kind := range testenv.AgeKeyKinds {
		t.Run(kind, func(t *testing.T) {
			testenv.Isolate(t)
			ctx := context.Background()
			dir := t.TempDir()
			keyDir := t.TempDir()
			runs := func() int { return 0 }
			var allow []string
			if kind == "plugin" {
				t.Setenv("PATH", testenv.AgePluginDir(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
				log := filepath.Join(t.TempDir(), "runs")
				t.Setenv("HELMTEST_PLUGIN_LOG", log)
				runs = func() int { b, _ := os.ReadFile(log); return bytes.Count(b, []byte("ran\n")) }
				allow = []string{"helmtest"}
			}
			k1 := testenv.AgeKeyOf(t, kind, keyDir)
			k1.Setenv(t)
			sopsRule(t, dir, k1.Recipient)
			path := filepath.Join(dir, "secrets.yaml")
			eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgePlugins: allow}})

			if kind == "plugin" {
				refusing := encrypt.New(encrypt.Options{})
				if _, err := refusing.Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: path}); !errors.Is(err, encrypt.ErrAgePluginNotAllowed) || !strings.Contains(err.Error(), "HELM_SECRETS_AGE_PLUGIN_ALLOWLIST=helmtest") {
					t.Fatalf("encrypt by a rule naming a plugin that is not allowed: %v", err)
				}
				called := false
				if _, _, err := refusing.EditFile(ctx, filepath.Join(dir, "secrets-new.yaml"), func([]byte) ([]byte, error) { called = true; return []byte(keyTypesPlain), nil }); !errors.Is(err, encrypt.ErrAgePluginNotAllowed) || called {
					t.Fatalf("edit of a new file by a rule naming a plugin that is not allowed: %v (editor called: %t)", err, called)
				}
				if runs() != 0 {
					t.Fatal("a plugin that is not allowed ran")
				}
			}

			enc, err := eng.Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(enc, []byte("recipient: "+k1.Recipient)) {
				t.Fatalf("the file does not name the rule's recipient:\n%s", enc)
			}
			testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
			if got, err := sopsCLI(t, dir, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of our file: %v\n%s", err, got)
			}
			checkDecrypt := func(what string, file []byte, want string) {
				t.Helper()
				// A new engine: an engine reads the environment's keys once.
				got, err := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgePlugins: allow}}).Decrypt(ctx, file, encrypt.FormatYAML)
				if err != nil || string(got) != want {
					t.Fatalf("%s: engine: %v\n%s", what, err, got)
				}
				lean, err := sopslite.DecryptYAML(file, sopslite.EnvIdentities())
				switch {
				case kind == "pq" && (err != nil || string(lean) != want):
					t.Fatalf("%s: the lean decryptor must handle a hybrid key: %v\n%s", what, err, lean)
				case kind != "pq" && (!errors.Is(err, sopslite.ErrUnsupported) || lean != nil):
					t.Fatalf("%s: the lean decryptor must decline %s keys: %v", what, kind, err)
				}
			}
			checkDecrypt("our file", enc, keyTypesPlain)

			// The other direction: sops encrypts, we decrypt.
			testenv.WriteFile(t, dir, "secrets-sops.yaml", keyTypesPlain)
			sopsEnc, err := sopsCLI(t, dir, "-e", "secrets-sops.yaml")
			if err != nil {
				t.Fatal(err)
			}
			testenv.WriteFile(t, dir, "secrets-sops.yaml", string(sopsEnc))
			sopsDec, err := sopsCLI(t, dir, "-d", "secrets-sops.yaml")
			if err != nil || string(sopsDec) != keyTypesPlain {
				t.Fatalf("sops -d of its own file: %v\n%s", err, sopsDec)
			}
			checkDecrypt("sops' file", sopsEnc, string(sopsDec))

			// rotate
			if kind == "plugin" {
				before := runs()
				if _, err := encrypt.New(encrypt.Options{}).Rotate(ctx, enc, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrAgePluginNotAllowed) {
					t.Fatalf("rotate, plugin not allowed: %v", err)
				}
				if runs() != before {
					t.Fatal("rotate started a plugin that is not allowed")
				}
			}
			rotated, err := eng.Rotate(ctx, enc, encrypt.FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(rotated, enc) {
				t.Fatal("rotate changed nothing")
			}
			testenv.WriteFile(t, dir, "secrets-rotated.yaml", string(rotated))
			if got, err := sopsCLI(t, dir, "-d", "secrets-rotated.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of the rotated file: %v\n%s", err, got)
			}
			checkDecrypt("rotated", rotated, keyTypesPlain)

			// updatekeys: a second key of the same kind joins the rule.
			k2 := testenv.AgeKeyOf(t, kind, keyDir)
			sopsRule(t, dir, k1.Recipient, k2.Recipient)
			if kind == "plugin" {
				before := runs()
				if _, _, err := encrypt.New(encrypt.Options{}).UpdateKeysFile(ctx, path); !errors.Is(err, encrypt.ErrAgePluginNotAllowed) {
					t.Fatalf("updatekeys, plugin not allowed: %v", err)
				}
				if runs() != before {
					t.Fatal("updatekeys started a plugin that is not allowed")
				}
			}
			updated, changed, err := eng.UpdateKeysFile(ctx, path)
			if err != nil || !changed {
				t.Fatalf("updatekeys: changed %t, %v", changed, err)
			}
			if !bytes.Contains(updated, []byte("recipient: "+k2.Recipient)) {
				t.Fatalf("updatekeys did not add the second recipient:\n%s", updated)
			}
			testenv.WriteFile(t, dir, "secrets.yaml", string(updated))
			for n := range k1.Env {
				os.Unsetenv(n)
			}
			k2.Setenv(t)
			if got, err := sopsCLI(t, dir, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of the updated file with the new key alone: %v\n%s", err, got)
			}
			checkDecrypt("updated, new key", updated, keyTypesPlain)
		})
	}
}
