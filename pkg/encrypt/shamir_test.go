package encrypt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// pgpHome makes a GnuPG home with a fresh unprotected key (its agent
// stopped at cleanup) and returns the home and the key's fingerprint.
func pgpHome(t *testing.T) (string, string) {
	t.Helper()
	gpg := testenv.Tool(t, "GPG_BIN", "gpg")
	home, err := os.MkdirTemp("/tmp", "enc-gpg-") // short: the agent's socket path
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		os.RemoveAll(home)
	})
	run := func(args ...string) string {
		out, err := exec.Command(gpg, append([]string{"--batch", "--homedir", home}, args...)...).Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return string(out)
	}
	run("--passphrase", "", "--quick-gen-key", "shamir-test@example.invalid", "rsa2048", "encrypt,sign", "never")
	for _, line := range strings.Split(run("--with-colons", "--list-secret-keys"), "\n") {
		if strings.HasPrefix(line, "fpr:") {
			return home, strings.Split(line, ":")[9]
		}
	}
	t.Fatal("no fingerprint")
	return "", ""
}

// TestShamirMixedKeyGroups: a .sops.yaml rule with four key groups, one
// per key kind (age X25519, age post-quantum hybrid, ssh-ed25519 through
// age, PGP with real gpg) and shamir_threshold 2. For every subset of the
// four private keys present in the environment, the engine decrypts
// exactly when the subset reaches the threshold, to the bytes the real
// sops CLI prints, and sops agrees; below it the engine fails with
// ErrNoKey and a message that says how many key groups were needed. The
// sops CLI's own encryption of the same rule behaves the same.
func TestShamirMixedKeyGroups(t *testing.T) {
	testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	ctx := context.Background()
	dir, keyDir := t.TempDir(), t.TempDir()
	x := testenv.AgeKeyOf(t, "x25519", keyDir)
	pq := testenv.AgeKeyOf(t, "pq", keyDir)
	ssh := testenv.AgeKeyOf(t, "ssh-ed25519", keyDir)
	gnupg, fpr := pgpHome(t)
	testenv.WriteFile(t, dir, ".sops.yaml", fmt.Sprintf(`creation_rules:
  - path_regex: secrets[^/]*\.yaml$
    shamir_threshold: 2
    key_groups:
      - age: [%q]
      - age: [%q]
      - age: [%q]
      - pgp: [%q]
`, x.Recipient, pq.Recipient, ssh.Recipient, fpr))
	keyText := func(k testenv.AgeKeyPair) string {
		b, err := os.ReadFile(k.Env["SOPS_AGE_KEY_FILE"])
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	names := []string{"x25519", "pq", "ssh-ed25519", "pgp"}
	// setKeys makes exactly the keys of mask available, as a user would.
	setKeys := func(mask int) {
		for _, n := range []string{"SOPS_AGE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "GNUPGHOME"} {
			os.Unsetenv(n)
		}
		var ageKeys string
		if mask&1 != 0 {
			ageKeys += keyText(x)
		}
		if mask&2 != 0 {
			ageKeys += keyText(pq)
		}
		// An empty key file stands for "no age key here", as for a user
		// whose keys.txt holds none of them.
		t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, t.TempDir(), "keys.txt", ageKeys))
		if mask&4 != 0 {
			t.Setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", ssh.Env["SOPS_AGE_SSH_PRIVATE_KEY_FILE"])
		}
		if mask&8 != 0 {
			t.Setenv("GNUPGHOME", gnupg)
		} else {
			t.Setenv("GNUPGHOME", t.TempDir())
		}
	}

	setKeys(15)
	enc, err := encrypt.New(encrypt.Options{}).Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: filepath.Join(dir, "secrets.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(enc), "shamir_threshold: 2") {
		t.Fatalf("no threshold in the file:\n%s", enc)
	}
	testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
	testenv.WriteFile(t, dir, "secrets-sops.yaml", keyTypesPlain)
	sopsEnc, err := sopsCLI(t, dir, "-e", "-i", "secrets-sops.yaml")
	if err != nil {
		t.Fatal(err, string(sopsEnc))
	}
	sopsFile, err := os.ReadFile(filepath.Join(dir, "secrets-sops.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	for mask := 0; mask < 16; mask++ {
		var have []string
		for i, n := range names {
			if mask&(1<<i) != 0 {
				have = append(have, n)
			}
		}
		enough := len(have) >= 2
		t.Run(strings.Join(append([]string{"keys"}, have...), "+"), func(t *testing.T) {
			setKeys(mask)
			for _, f := range []struct {
				name string
				data []byte
			}{{"secrets.yaml", enc}, {"secrets-sops.yaml", sopsFile}} {
				got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, f.data, encrypt.FormatYAML)
				sopsGot, sopsErr := sopsCLI(t, dir, "-d", f.name)
				switch {
				case enough && (err != nil || string(got) != keyTypesPlain || sopsErr != nil || string(sopsGot) != keyTypesPlain):
					t.Fatalf("%s with %v: engine %v, sops %v\n%s\n%s", f.name, have, err, sopsErr, got, sopsGot)
				case !enough && (err == nil || sopsErr == nil):
					t.Fatalf("%s with %v: decrypted below the threshold (engine %v, sops %v)", f.name, have, err, sopsErr)
				case !enough && (!errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), "keys of 2 of 4 key groups")):
					t.Fatalf("%s with %v: unclear failure: %v", f.name, have, err)
				}
				if err != nil && mask&2 == 0 && (strings.Contains(err.Error(), pq.Recipient) || !strings.Contains(err.Error(), pq.Recipient[:16]+"…")) {
					t.Fatalf("the hybrid recipient (%d characters) is not shortened in the message: %v", len(pq.Recipient), err)
				}
				if err != nil && strings.Contains(err.Error(), canary) {
					t.Fatalf("a secret in the message: %v", err)
				}
				if !enough && len(have) == 1 && f.name == "secrets.yaml" {
					t.Logf("with %v: %v", have, err)
				}
			}
		})
	}
}
