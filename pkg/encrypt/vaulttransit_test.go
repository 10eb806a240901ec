package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakevault"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const vaultToken = "hvs.test-token-NEVER-PRINTED"

// startTransit starts a fake Vault with a transit mount in namespace and
// points VAULT_ADDR/VAULT_TOKEN (and VAULT_NAMESPACE) at it.
func startTransit(t *testing.T, namespace string) (*fakevault.Server, string) {
	t.Helper()
	v := fakevault.New(vaultToken)
	v.TransitMount(namespace, "transit")
	addr, err := v.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	t.Setenv("VAULT_ADDR", addr)
	t.Setenv("VAULT_TOKEN", vaultToken)
	if namespace != "" {
		t.Setenv("VAULT_NAMESPACE", namespace)
	}
	return v, addr
}

// TestVaultTransitMatchesSopsCLI: hc_vault keys through sops' real Vault
// client against the transit engine's HTTP API (internal/testsupport/fakevault: real
// AES-GCM, key versions, token, namespaces): encrypt following a
// .sops.yaml hc_vault_transit_uri rule, decrypt, the sops CLI both ways
// (byte for byte), rotate after the Vault key was rotated (vault:v2:),
// updatekeys to a second key; one encrypt call per data key written and
// one decrypt call per file decrypted; a missing or wrong token and a
// wrong namespace fail with one message naming hc_vault and the key's
// path, never the token.
func TestVaultTransitMatchesSopsCLI(t *testing.T) {
	testenv.Tool(t, "SOPS_BIN", "sops")
	for _, ns := range []string{"", "team-a"} {
		t.Run("namespace="+ns, func(t *testing.T) {
			testenv.Isolate(t)
			v, addr := startTransit(t, ns)
			ctx := context.Background()
			dir := t.TempDir()
			rule := func(keys ...string) {
				var uris []string
				for _, k := range keys {
					uris = append(uris, addr+"/v1/transit/keys/"+k)
				}
				testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    hc_vault_transit_uri: \""+strings.Join(uris, ",")+"\"\n")
			}
			rule("app")
			path := filepath.Join(dir, "secrets.yaml")
			eng := encrypt.New(encrypt.Options{})
			enc, err := eng.Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(enc, []byte("enc: vault:v1:")) || !bytes.Contains(enc, []byte("vault_address: "+addr)) {
				t.Fatalf("no hc_vault key in the file:\n%s", enc)
			}
			if n := v.TransitCalls("encrypt", ns, "transit", "app"); n != 1 {
				t.Fatalf("%d encrypt calls for one data key", n)
			}
			testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
			if got, err := sopsCLI(t, dir, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of our file: %v\n%s", err, got)
			}
			before := v.TransitCalls("decrypt", ns, "transit", "app")
			if got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, enc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("decrypt: %v\n%s", err, got)
			}
			if n := v.TransitCalls("decrypt", ns, "transit", "app") - before; n != 1 {
				t.Fatalf("%d decrypt calls for one file", n)
			}

			// Copies of a file share its data key: one call in one run,
			// and each result still names the key that opened it.
			copyPath := testenv.WriteFile(t, dir, "secrets-copy.yaml", string(enc))
			before = v.TransitCalls("decrypt", ns, "transit", "app")
			ctxRec, rec := encrypt.RecordKeys(ctx)
			res, err := encrypt.New(encrypt.Options{}).DecryptFiles(ctxRec, []string{path, copyPath})
			if err != nil || string(res[0].Plaintext) != keyTypesPlain || string(res[1].Plaintext) != keyTypesPlain {
				t.Fatalf("DecryptFiles of a file and its copy: %v", err)
			}
			if n := v.TransitCalls("decrypt", ns, "transit", "app") - before; n != 1 {
				t.Fatalf("%d decrypt calls for one data key in one run", n)
			}
			if len(res[0].Keys) != 1 || len(res[1].Keys) != 1 || len(rec.Unwrapped()) == 0 {
				t.Fatalf("keys recorded: %v %v %v", res[0].Keys, res[1].Keys, rec.Unwrapped())
			}
			before = v.TransitCalls("decrypt", ns, "transit", "app")
			docs := encrypt.New(encrypt.Options{}).DecryptDocuments(ctx, []encrypt.Document{{Data: enc}, {Data: enc}, {Path: copyPath}})
			for _, r := range docs {
				if r.Err != nil || string(r.Plaintext) != keyTypesPlain {
					t.Fatalf("DecryptDocuments: %v", r.Err)
				}
			}
			if n := v.TransitCalls("decrypt", ns, "transit", "app") - before; n != 1 {
				t.Fatalf("%d decrypt calls for one data key in one DecryptDocuments", n)
			}

			testenv.WriteFile(t, dir, "secrets-sops.yaml", keyTypesPlain)
			sopsEnc, err := sopsCLI(t, dir, "-e", "secrets-sops.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := eng.Decrypt(ctx, sopsEnc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("decrypt of sops' file: %v\n%s", err, got)
			}

			// Vault's key rotated: rotate writes vault:v2:, the old file
			// still opens.
			v.RotateTransitKey(ns, "transit", "app")
			rotated, err := eng.Rotate(ctx, enc, encrypt.FormatYAML)
			if err != nil || !bytes.Contains(rotated, []byte("enc: vault:v2:")) {
				t.Fatalf("rotate: %v\n%s", err, rotated)
			}
			testenv.WriteFile(t, dir, "secrets-rotated.yaml", string(rotated))
			if got, err := sopsCLI(t, dir, "-d", "secrets-rotated.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of the rotated file: %v\n%s", err, got)
			}

			// updatekeys to a second transit key.
			rule("app", "other")
			updated, changed, err := eng.UpdateKeysFile(ctx, path)
			if err != nil || !changed || !bytes.Contains(updated, []byte("key_name: other")) {
				t.Fatalf("updatekeys: %t %v\n%s", changed, err, updated)
			}
			if v.TransitCalls("encrypt", ns, "transit", "other") != 1 {
				t.Fatal("updatekeys: not one encrypt call for the new key")
			}

			// Failures: one message naming the key service and the key,
			// never the token.
			fails := func(what, want string) {
				t.Helper()
				_, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, enc, encrypt.FormatYAML)
				if !errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), "hc_vault") || !strings.Contains(err.Error(), "transit/decrypt/app") || !strings.Contains(err.Error(), want) {
					t.Fatalf("%s: %v", what, err)
				}
				if strings.Contains(err.Error(), vaultToken) || strings.Contains(err.Error(), "wrong-token-value") || strings.Contains(err.Error(), canary) {
					t.Fatalf("%s: a secret in the message: %v", what, err)
				}
				t.Logf("%s: %v", what, err)
			}
			t.Setenv("VAULT_TOKEN", "wrong-token-value")
			fails("wrong token", "Vault refused the token")
			os.Unsetenv("VAULT_TOKEN")
			fails("no token", "no Vault token: VAULT_TOKEN is unset")
			t.Setenv("VAULT_TOKEN", vaultToken)
			t.Setenv("VAULT_NAMESPACE", "elsewhere")
			fails("wrong namespace", "route entry not found")
		})
	}
}
