package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakeazure"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestAzureKeyVaultEndToEnd: azure_keyvault keys (a .sops.yaml
// azure_keyvault rule with a key URL without a version, resolved by sops)
// through real helm and the installed plugin, against Key Vault's and
// Entra ID's REST APIs (internal/testsupport/fakeazure, reached by the real Azure SDK
// clients through HTTPS_PROXY with the real host names), with a client
// secret from the environment: `helm secrets encrypt -i` makes files the
// sops CLI decrypts; `helm secrets template` with two such files and a
// copy of one (the lean wrapper declines azure_kv, the full binary
// decrypts) renders them with one decrypt call per data key and one
// token; plain helm
// with secrets:// renders the same; `rotate -i` wraps a new data key;
// `helm secrets edit` (EDITOR a script changing the value) decrypts with
// one decrypt call and keeps the wrapped data key (no encrypt call), and
// `helm secrets decrypt` and `sops -d` show the new value, while with a
// wrong secret edit fails without running the editor or changing the file;
// `check` reports the drift after the rule gained a key, `updatekeys`
// fixes it. A wrong, expired or missing secret stops the run before helm
// starts (no output) with one message naming Azure Key Vault, the key's
// URL, the file and what to set; the secret is in no message, no debug
// line (HELM_SECRETS_DEBUG) and no audit record, and the audit records
// name the key.
func TestAzureKeyVaultEndToEnd(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	const tenant, secret = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "e2e~AZURE-secret-never-shown"
	az := fakeazure.New(tenant)
	az.AddClient("hs-e2e", secret)
	az.AddClient("hs-expired", "expired~"+secret)
	az.ExpireSecret("hs-expired")
	if err := az.Start(); err != nil {
		t.Fatal(err)
	}
	defer az.Close()
	netEnv, err := az.Env(filepath.Join(t.TempDir(), "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	vault := fakeazure.VaultURL("hs-e2e")
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			key, second := "k-"+h.name, "k2-"+h.name
			version := az.NewKeyVersion("hs-e2e", key)
			secondVersion := az.NewKeyVersion("hs-e2e", second)
			for _, k := range []string{key, second} {
				az.Grant("hs-e2e", "hs-e2e", k)
				az.Grant("hs-expired", "hs-e2e", k)
			}
			keyURL := vault + "/keys/" + key + "/" + version
			audit := filepath.Join(t.TempDir(), "audit.log")
			creds := func(id, secret string) []string {
				return append(append([]string{}, netEnv...), "AZURE_TENANT_ID="+tenant, "AZURE_CLIENT_ID="+id, "AZURE_CLIENT_SECRET="+secret, "HELM_SECRETS_AUDIT_LOG="+audit)
			}
			env := creds("hs-e2e", secret)
			run := func(env []string, args ...string) string {
				t.Helper()
				out, errOut, code := h.runEnv(env, args...)
				if code != 0 {
					t.Fatalf("helm %v: exit %d\n%s\n%s", args, code, out, errOut)
				}
				return out
			}
			rule := func(urls ...string) {
				testenv.WriteFile(t, h.work, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    azure_keyvault: \""+strings.Join(urls, ",")+"\"\n")
			}
			rule(vault + "/keys/" + key)
			testenv.WriteFile(t, h.work, "secrets.yaml", "password: "+canary+"-azure\n")
			testenv.WriteFile(t, h.work, "secrets-port.yaml", "port: 8443\n")
			run(env, "secrets", "encrypt", "-i", "secrets.yaml")
			run(env, "secrets", "encrypt", "-i", "secrets-port.yaml")
			if n := az.Calls("encrypt", "hs-e2e", key); n != 2 {
				t.Fatalf("%d encrypt calls for two files", n)
			}
			enc, err := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
			if err != nil || !strings.Contains(string(enc), "version: "+version) {
				t.Fatalf("the key's version is not in the file: %v\n%s", err, enc)
			}
			cmd := exec.Command(sops, "-d", "secrets.yaml")
			cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
			if out, errOut, code := runCmd(t, cmd); code != 0 || out != "password: "+canary+"-azure\n" {
				t.Fatalf("sops -d: exit %d %q\n%s", code, out, errOut)
			}

			testenv.WriteFile(t, h.work, "secrets-copy.yaml", string(enc))
			before, tokens := az.Calls("decrypt", "hs-e2e", key), az.TokenRequests("hs-e2e")
			out := run(env, "secrets", "template", "rel", chart(), "-f", "secrets.yaml", "-f", "secrets-port.yaml", "-f", "secrets-copy.yaml")
			if !strings.Contains(out, canary+"-azure") || !strings.Contains(out, `port: "8443"`) {
				t.Fatalf("helm secrets template:\n%s", out)
			}
			if n := az.Calls("decrypt", "hs-e2e", key) - before; n != 2 {
				t.Fatalf("%d decrypt calls for two data keys (three files, one a copy) in one run", n)
			}
			if n := az.TokenRequests("hs-e2e") - tokens; n != 1 {
				t.Fatalf("%d tokens fetched in one run", n)
			}
			// Without the audit log (which the lean wrapper leaves to the
			// full binary) the lean wrapper sees the files first, declines
			// azure_kv, and the full binary renders the same (the audit log is
			// env's last entry).
			if got := run(env[:len(env)-1], "secrets", "template", "rel", chart(), "-f", "secrets.yaml", "-f", "secrets-port.yaml", "-f", "secrets-copy.yaml"); got != out {
				t.Fatalf("helm secrets template without the audit log:\n%s\nwant\n%s", got, out)
			}
			if got := run(env, "template", "rel", chart(), "-f", "secrets://secrets.yaml", "-f", "secrets://secrets-port.yaml"); got != out {
				t.Fatalf("plain helm with secrets://:\n%s\nwant\n%s", got, out)
			}

			before = az.Calls("encrypt", "hs-e2e", key)
			run(env, "secrets", "rotate", "-i", "secrets.yaml")
			if b, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml")); string(b) == string(enc) || az.Calls("encrypt", "hs-e2e", key)-before != 1 {
				t.Fatalf("rotate: not one new wrapped data key:\n%s", b)
			}

			// edit: one decrypt call opens the data key, the new value is
			// encrypted with it, and no new data key is wrapped; the sops
			// CLI reads the result. With a wrong secret the editor never
			// runs and the file stays as it was.
			editor, ran := sedEditor(t, "-azure$", "-azure-edited")
			wrapped := wrappedKeys(t, filepath.Join(h.work, "secrets.yaml"))
			dec, encs := az.Calls("decrypt", "hs-e2e", key), az.Calls("encrypt", "hs-e2e", key)
			if out := run(append(env, editor), "secrets", "edit", "secrets.yaml"); out != "" {
				t.Fatalf("edit wrote to stdout: %q", out)
			}
			if d, e := az.Calls("decrypt", "hs-e2e", key)-dec, az.Calls("encrypt", "hs-e2e", key)-encs; d != 1 || e != 0 {
				t.Fatalf("edit: %d decrypt and %d encrypt calls, want 1 and 0", d, e)
			}
			if got := wrappedKeys(t, filepath.Join(h.work, "secrets.yaml")); got != wrapped {
				t.Fatalf("edit changed the wrapped data key:\n%s\nwas\n%s", got, wrapped)
			}
			if out := run(env, "secrets", "decrypt", "secrets.yaml"); out != "password: "+canary+"-azure-edited\n" {
				t.Fatalf("helm secrets decrypt after edit: %q", out)
			}
			cmd = exec.Command(sops, "-d", "secrets.yaml")
			cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
			if out, errOut, code := runCmd(t, cmd); code != 0 || out != "password: "+canary+"-azure-edited\n" {
				t.Fatalf("sops -d after edit: exit %d %q\n%s", code, out, errOut)
			}
			if err := os.Remove(ran); err != nil {
				t.Fatalf("the editor did not run: %v", err)
			}
			edited, err := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if out, errOut, code := h.runEnv(append(creds("hs-e2e", "wrong~"+secret), editor), "secrets", "edit", "secrets.yaml"); code == 0 || !strings.Contains(errOut, "Entra ID refused the client secret") || strings.Contains(out+errOut, secret) || strings.Contains(out+errOut, canary) {
				t.Fatalf("edit with a wrong secret: exit %d\n%s\n%s", code, out, errOut)
			}
			if b, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml")); string(b) != string(edited) {
				t.Fatal("a failed edit changed the file")
			}
			if _, err := os.Stat(ran); err == nil {
				t.Fatal("the editor ran although the file could not be decrypted")
			}

			// The rule gains a second key: check reports the drift,
			// updatekeys fixes it.
			secondURL := vault + "/keys/" + second + "/" + secondVersion
			rule(keyURL, secondURL)
			if out, errOut, code := h.runEnv(env, "secrets", "check", "secrets.yaml"); code != 1 || !strings.Contains(out+errOut, second) {
				t.Fatalf("check before updatekeys: exit %d\n%s\n%s", code, out, errOut)
			}
			run(env, "secrets", "updatekeys", "secrets.yaml")
			if n := az.Calls("encrypt", "hs-e2e", second); n != 1 {
				t.Fatalf("updatekeys: %d encrypt calls for the new key", n)
			}
			if out, errOut, code := h.runEnv(env, "secrets", "check", "secrets.yaml"); code != 0 {
				t.Fatalf("check after updatekeys: exit %d\n%s\n%s", code, out, errOut)
			}

			for _, c := range []struct {
				name string
				env  []string
				want string
			}{
				{"wrong secret", creds("hs-e2e", "wrong~"+secret), "Entra ID refused the client secret from AZURE_CLIENT_SECRET"},
				{"expired secret", creds("hs-expired", "expired~"+secret), "has expired"},
				{"no credential", append(append([]string{}, netEnv...), "HELM_SECRETS_AUDIT_LOG="+audit), "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"},
			} {
				out, errOut, code := h.runEnv(append(c.env, "HELM_SECRETS_DEBUG=1"), "secrets", "template", "rel", chart(), "-f", "secrets-port.yaml")
				if code == 0 || out != "" {
					t.Fatalf("%s: exit %d, helm's output %q", c.name, code, out)
				}
				for _, w := range []string{"Azure Key Vault key '" + keyURL + "'", "secrets-port.yaml", c.want} {
					if !strings.Contains(errOut, w) {
						t.Fatalf("%s: the message lacks %q:\n%s", c.name, w, errOut)
					}
				}
				if strings.Contains(errOut, secret) || strings.Contains(errOut, canary) {
					t.Fatalf("%s: a secret in the message or the debug output:\n%s", c.name, errOut)
				}
				t.Logf("%s: %s", c.name, strings.TrimSpace(errOut))
			}
			b, err := os.ReadFile(audit)
			if err != nil || strings.Contains(string(b), secret) || strings.Contains(string(b), canary) {
				t.Fatalf("audit log: %v, or a secret in it", err)
			}
			if !strings.Contains(string(b), `"azure_kv `+keyURL+`"`) || !strings.Contains(string(b), "has expired") {
				t.Fatalf("the audit log does not name the key:\n%s", b)
			}
			if r := az.Refused(); len(r) > 0 {
				t.Logf("the proxy refused (not served by the fake): %v", r)
			}
		})
	}
}
