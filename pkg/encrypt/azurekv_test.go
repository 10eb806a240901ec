package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakeazure"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const (
	azTenant = "7f3c2a10-5b6e-4d8f-9a1b-2c3d4e5f6a7b"
	azSecret = "azsecret~NEVER-PRINTED-9c1e"
)

// startAzure starts a fake Key Vault and Entra ID tenant with the
// application "sops-app" (secret azSecret) and returns it with the azcore
// options that reach it from this process, and the environment that
// reaches it from a child process (the sops CLI).
func startAzure(t *testing.T) (*fakeazure.Server, azcore.ClientOptions, []string) {
	t.Helper()
	s := fakeazure.New(azTenant)
	s.AddClient("sops-app", azSecret)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	env, err := s.Env(filepath.Join(t.TempDir(), "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r := s.Refused(); len(r) > 0 {
			t.Logf("the proxy refused (not served by the fake): %v", r)
		}
	})
	return s, azcore.ClientOptions{Transport: &http.Client{Transport: s.Transport()}}, env
}

// sopsAzure runs the sops CLI in dir with the fake's environment.
func sopsAzure(t *testing.T, dir string, env []string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "SOPS_BIN", "sops"), args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New(err.Error() + ": " + stderr.String())
	}
	return out, nil
}

// TestAzureKeyVaultMatchesSopsCLI: azure_keyvault keys through sops' real
// Azure clients (azkeys, azidentity) against Key Vault's and Entra ID's
// REST APIs (internal/testsupport/fakeazure: bearer challenge, client-secret tokens,
// RSA-OAEP-256 key versions), with the credential from the environment
// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET): encrypt
// following a .sops.yaml azure_keyvault rule, decrypt, the sops CLI both
// ways (byte for byte; sops resolving a URL without a version), rotate,
// updatekeys to a second key; one encrypt call per data key written, one
// decrypt call per data key per run (copies share), one token per engine.
// Failures (wrong, expired or missing client secret, an identity the
// vault refuses) fail with one message naming Azure Key Vault, the key's
// URL and what to check, never the secret, also not in sops' debug log.
func TestAzureKeyVaultMatchesSopsCLI(t *testing.T) {
	testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	az, copts, env := startAzure(t)
	v1 := az.NewKeyVersion("hs-kv", "sops")
	az.Grant("sops-app", "hs-kv", "sops")
	az.NewKeyVersion("hs-kv", "other")
	az.Grant("sops-app", "hs-kv", "other")
	t.Setenv("AZURE_TENANT_ID", azTenant)
	t.Setenv("AZURE_CLIENT_ID", "sops-app")
	t.Setenv("AZURE_CLIENT_SECRET", azSecret)
	// The environment's credential, reaching the fake through the
	// client options' transport.
	newEngine := func() *encrypt.Engine {
		return encrypt.New(encrypt.Options{Keys: encrypt.Keys{AzureKeyVault: &encrypt.AzureKeyVaultOptions{ClientOptions: &azkeys.ClientOptions{ClientOptions: copts}}}})
	}
	ctx := context.Background()
	dir := t.TempDir()
	vault := fakeazure.VaultURL("hs-kv")
	keyURL := vault + "/keys/sops/" + v1
	rule := func(urls ...string) {
		testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    azure_keyvault: \""+strings.Join(urls, ",")+"\"\n")
	}
	rule(keyURL)
	path := filepath.Join(dir, "secrets.yaml")
	enc, err := newEngine().Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(enc, []byte("azure_kv:")) || !bytes.Contains(enc, []byte("vault_url: "+vault)) || !bytes.Contains(enc, []byte("version: "+v1)) {
		t.Fatalf("no azure_kv key in the file:\n%s", enc)
	}
	if n := az.Calls("encrypt", "hs-kv", "sops"); n != 1 {
		t.Fatalf("%d encrypt calls for one data key", n)
	}
	testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
	if got, err := sopsAzure(t, dir, env, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("sops -d of our file: %v\n%s", err, got)
	}
	before := az.Calls("decrypt", "hs-kv", "sops")
	if got, err := newEngine().Decrypt(ctx, enc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("decrypt: %v\n%s", err, got)
	}
	if n := az.Calls("decrypt", "hs-kv", "sops") - before; n != 1 {
		t.Fatalf("%d decrypt calls for one file", n)
	}

	// Copies of a file share its data key: one call in one run, one token
	// per engine, and each result still names the key that opened it.
	copyPath := testenv.WriteFile(t, dir, "secrets-copy.yaml", string(enc))
	port := testenv.WriteFile(t, dir, "secrets-port.yaml", "")
	portEnc, err := newEngine().Encrypt(ctx, []byte("port: 8443\n"), encrypt.EncryptOptions{Path: port})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "secrets-port.yaml", string(portEnc))
	before = az.Calls("decrypt", "hs-kv", "sops")
	tokens := az.TokenRequests("sops-app")
	ctxRec, rec := encrypt.RecordKeys(ctx)
	res, err := newEngine().DecryptFiles(ctxRec, []string{path, copyPath, port})
	if err != nil || string(res[0].Plaintext) != keyTypesPlain || string(res[1].Plaintext) != keyTypesPlain || string(res[2].Plaintext) != "port: 8443\n" {
		t.Fatalf("DecryptFiles of a file, its copy and another file: %v", err)
	}
	if n := az.Calls("decrypt", "hs-kv", "sops") - before; n != 2 {
		t.Fatalf("%d decrypt calls for two data keys (three files) in one run", n)
	}
	if n := az.TokenRequests("sops-app") - tokens; n != 1 {
		t.Fatalf("%d token requests in one run", n)
	}
	if u := rec.Unwrapped(); len(u) != 1 || u[0] != "azure_kv "+keyURL || len(res[0].Keys) != 1 || len(res[1].Keys) != 1 {
		t.Fatalf("keys recorded: %v %v %v", res[0].Keys, res[1].Keys, u)
	}
	before = az.Calls("decrypt", "hs-kv", "sops")
	for _, r := range newEngine().DecryptDocuments(ctx, []encrypt.Document{{Data: enc}, {Data: enc}, {Path: copyPath}}) {
		if r.Err != nil || string(r.Plaintext) != keyTypesPlain {
			t.Fatalf("DecryptDocuments: %v", r.Err)
		}
	}
	if n := az.Calls("decrypt", "hs-kv", "sops") - before; n != 1 {
		t.Fatalf("%d decrypt calls for one data key in one DecryptDocuments", n)
	}

	// sops' own file, its key given without a version: sops asks the
	// vault for the newest (GET /keys/sops/).
	v2 := az.NewKeyVersion("hs-kv", "sops")
	rule(vault + "/keys/sops")
	testenv.WriteFile(t, dir, "secrets-sops.yaml", keyTypesPlain)
	sopsEnc, err := sopsAzure(t, dir, env, "-e", "secrets-sops.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(sopsEnc, []byte("version: "+v2)) || az.Calls("get", "hs-kv", "sops") != 1 {
		t.Fatalf("sops -e with a versionless key URL:\n%s", sopsEnc)
	}
	if got, err := newEngine().Decrypt(ctx, sopsEnc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("decrypt of sops' file: %v\n%s", err, got)
	}

	// rotate: a new data key wrapped with the file's key (v1, named in
	// the file); the old version still works in Key Vault.
	before = az.Calls("encrypt", "hs-kv", "sops")
	rotated, err := newEngine().Rotate(ctx, enc, encrypt.FormatYAML)
	if err != nil || !bytes.Contains(rotated, []byte("version: "+v1)) || bytes.Equal(rotated, enc) {
		t.Fatalf("rotate: %v\n%s", err, rotated)
	}
	if n := az.Calls("encrypt", "hs-kv", "sops") - before; n != 1 {
		t.Fatalf("rotate: %d encrypt calls", n)
	}
	testenv.WriteFile(t, dir, "secrets-rotated.yaml", string(rotated))
	if got, err := sopsAzure(t, dir, env, "-d", "secrets-rotated.yaml"); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("sops -d of the rotated file: %v\n%s", err, got)
	}

	// updatekeys to a second key.
	otherURL := vault + "/keys/other/" + az.NewKeyVersion("hs-kv", "other")
	rule(keyURL, otherURL)
	updated, changed, err := newEngine().UpdateKeysFile(ctx, path)
	if err != nil || !changed || !bytes.Contains(updated, []byte("name: other")) {
		t.Fatalf("updatekeys: %t %v\n%s", changed, err, updated)
	}
	if az.Calls("encrypt", "hs-kv", "other") != 1 {
		t.Fatal("updatekeys: not one encrypt call for the new key")
	}

	// Failures: one message naming Azure Key Vault, the key and what to
	// check; never the secret, also not in sops' debug log.
	var debug bytes.Buffer
	encrypt.SetSopsLog(&debug)
	defer encrypt.SetSopsLog(nil)
	az.AddClient("expired-app", "expired-secret-value")
	az.Grant("expired-app", "hs-kv", "sops")
	az.ExpireSecret("expired-app")
	fails := func(what, want string) {
		t.Helper()
		_, err := newEngine().Decrypt(ctx, enc, encrypt.FormatYAML)
		if !errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), "Azure Key Vault key '"+keyURL+"'") || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v", what, err)
		}
		for _, secret := range []string{azSecret, "wrong-secret-value", "expired-secret-value", canary} {
			if strings.Contains(err.Error(), secret) || strings.Contains(debug.String(), secret) {
				t.Fatalf("%s: a secret in the message or the debug log: %v\n%s", what, err, debug.String())
			}
		}
		t.Logf("%s: %v", what, err)
	}
	t.Setenv("AZURE_CLIENT_SECRET", "wrong-secret-value")
	fails("wrong secret", "Entra ID refused the client secret from AZURE_CLIENT_SECRET")
	t.Setenv("AZURE_CLIENT_ID", "expired-app")
	t.Setenv("AZURE_CLIENT_SECRET", "expired-secret-value")
	fails("expired secret", "the client secret from AZURE_CLIENT_SECRET has expired")
	t.Setenv("AZURE_CLIENT_ID", "sops-app")
	t.Setenv("AZURE_CLIENT_SECRET", azSecret)
	az.Revoke("sops-app", "hs-kv", "sops")
	fails("denied", "Azure Key Vault refused the identity")
	az.Grant("sops-app", "hs-kv", "sops")
	for _, v := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"} {
		os.Unsetenv(v)
	}
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "prod") // no az/azd runs
	fails("no credential", "no Azure credential found (EnvironmentCredential: missing environment variable AZURE_TENANT_ID; ")
	fails("no credential", ") (set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET")
}

// TestAzureKeyVaultCredentialPerEngine: Keys.AzureKeyVault.Credential is
// used instead of the environment (whose identity may use no key): two
// engines with two credentials, run concurrently, each decrypts only the
// file whose key its identity may use, and the other fails with Key
// Vault's refusal.
func TestAzureKeyVaultCredentialPerEngine(t *testing.T) {
	testenv.Isolate(t)
	az, copts, _ := startAzure(t)
	az.AddClient("app-a", "secret-a-NEVER-PRINTED")
	az.AddClient("app-b", "secret-b-NEVER-PRINTED")
	az.AddClient("env-app", "env-secret")
	t.Setenv("AZURE_TENANT_ID", azTenant)
	t.Setenv("AZURE_CLIENT_ID", "env-app")
	t.Setenv("AZURE_CLIENT_SECRET", "env-secret")
	ctx := context.Background()
	engine := func(id, secret string) *encrypt.Engine {
		cred, err := azidentity.NewClientSecretCredential(azTenant, id, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: copts})
		if err != nil {
			t.Fatal(err)
		}
		return encrypt.New(encrypt.Options{Keys: encrypt.Keys{AzureKeyVault: &encrypt.AzureKeyVaultOptions{Credential: cred, ClientOptions: &azkeys.ClientOptions{ClientOptions: copts}}}})
	}
	engines := map[string]*encrypt.Engine{"a": engine("app-a", "secret-a-NEVER-PRINTED"), "b": engine("app-b", "secret-b-NEVER-PRINTED")}
	files := map[string][]byte{}
	for _, who := range []string{"a", "b"} {
		v := az.NewKeyVersion("team-"+who, "k")
		az.Grant("app-"+who, "team-"+who, "k")
		enc, err := engines[who].Encrypt(ctx, []byte("owner: "+who+"\n"), encrypt.EncryptOptions{
			Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{AzureKV: []string{fakeazure.VaultURL("team-"+who) + "/keys/k/" + v}}})
		if err != nil {
			t.Fatal(err)
		}
		files[who] = enc
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		for _, who := range []string{"a", "b"} {
			for _, file := range []string{"a", "b"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := engines[who].Decrypt(ctx, files[file], encrypt.FormatYAML)
					switch {
					case who == file && (err != nil || string(got) != "owner: "+file+"\n"):
						errs <- fmt.Errorf("engine %s, its own file: %v", who, err)
					case who != file && (err == nil || !strings.Contains(err.Error(), "Azure Key Vault refused the identity") || !strings.Contains(err.Error(), "appid=app-"+who)):
						errs <- fmt.Errorf("engine %s, the other's file: %v", who, err)
					case err != nil && strings.Contains(err.Error(), "NEVER-PRINTED"):
						errs <- fmt.Errorf("a secret in the message: %v", err)
					}
				}()
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := az.TokenRequests("env-app"); n != 0 {
		t.Fatalf("the environment's credential was used %d times", n)
	}
}

// TestAzureVaultURLFromFileGetsNoToken: a file's azure_kv entries name
// their own vault URL, and the metadata is not covered by the MAC, so an
// attacker who can change the file can point an entry at a server of
// theirs. The Key Vault client sends a request without a token (and
// without its body) first, and a token only after the server's challenge
// names a resource whose domain the URL's host is under and Entra ID
// issued a token for that resource. Two tampered entries placed before
// the real one: one whose challenge names Key Vault's resource (the
// client refuses it: the host is not under vault.azure.net), one whose
// challenge names the attacker's own domain (Entra ID has no such
// resource). Decrypt opens the file with the real key; rotate, which
// wraps the new data key for every entry, fails naming the tampered URL.
// The attacker's server never sees a token or a data key.
func TestAzureVaultURLFromFileGetsNoToken(t *testing.T) {
	testenv.Isolate(t)
	az, copts, _ := startAzure(t)
	v := az.NewKeyVersion("hs-kv", "sops")
	az.Grant("sops-app", "hs-kv", "sops")
	t.Setenv("AZURE_TENANT_ID", azTenant)
	t.Setenv("AZURE_CLIENT_ID", "sops-app")
	t.Setenv("AZURE_CLIENT_SECRET", azSecret)
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AzureKeyVault: &encrypt.AzureKeyVaultOptions{ClientOptions: &azkeys.ClientOptions{ClientOptions: copts}}}})
	ctx := context.Background()
	enc, err := eng.Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Format: encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{AzureKV: []string{fakeazure.VaultURL("hs-kv") + "/keys/sops/" + v}}})
	if err != nil {
		t.Fatal(err)
	}
	// Copy the entry (from "- created_at" to the line before
	// "lastmodified") twice, pointing at the attacker's hosts, before it.
	s := string(enc)
	start := strings.Index(s, "        - created_at:")
	end := strings.Index(s, "    lastmodified:")
	if start < 0 || end < start {
		t.Fatalf("unexpected layout:\n%s", s)
	}
	entry := s[start:end]
	var tampered []string
	for _, host := range []string{"own.kv" + fakeazure.AttackerSuffix, "steal.kv" + fakeazure.AttackerSuffix} {
		tampered = append(tampered, strings.Replace(entry, "https://hs-kv"+fakeazure.VaultSuffix, "https://"+host, 1))
	}
	bad := []byte(s[:start] + strings.Join(tampered, "") + s[start:])
	if got, err := eng.Decrypt(ctx, bad, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("decrypt with the real key after the tampered ones: %v", err)
	}
	_, err = eng.Rotate(ctx, bad, encrypt.FormatYAML)
	reqs := az.AttackerRequests()
	if len(reqs) == 0 {
		t.Fatal("the attacker's hosts were never contacted: the test proves nothing")
	}
	hosts := map[string]bool{}
	for _, r := range reqs {
		hosts[r.Host] = true
		if r.Authorized || r.BodyBytes > 0 {
			t.Fatalf("the attacker got a token or a body: %+v", r)
		}
	}
	if len(hosts) != 2 {
		t.Fatalf("attacker hosts contacted: %v", hosts)
	}
	if err == nil || !strings.Contains(err.Error(), "'https://own.kv"+fakeazure.AttackerSuffix) || !strings.Contains(err.Error(), "'https://steal.kv"+fakeazure.AttackerSuffix) ||
		strings.Count(err.Error(), "the vault URL does not point at Azure Key Vault") != 2 || strings.Contains(err.Error(), azSecret) {
		t.Fatalf("rotate of the tampered file: %v", err)
	}
	t.Logf("rotate: %v", err)
}
