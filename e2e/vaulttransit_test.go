package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakevault"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestVaultTransitEndToEnd: hc_vault keys (a .sops.yaml
// hc_vault_transit_uri rule) through real helm and the installed plugin,
// against the transit engine's HTTP API (internal/testsupport/fakevault) reached by
// sops' real Vault client, in a Vault namespace: `helm secrets encrypt -i`
// makes a file the sops CLI decrypts; `helm secrets template` with two
// such files and a copy of one (the wrapper hands hc_vault files to the
// full binary) renders them with one decrypt call per data key; plain helm with secrets://
// renders the same; `helm secrets rotate -i` after Vault's key was
// rotated writes vault:v2:; `helm secrets edit` (EDITOR a script
// changing the value) decrypts with one decrypt call and keeps the wrapped
// data key (no encrypt call), `helm secrets decrypt` and `sops -d` show
// the new value, and with a wrong token edit fails without running the
// editor or changing the file. A wrong or missing token stops the run before
// helm starts (no output) with one message naming hc_vault and the key,
// and the token is in no message, argument or audit record.
func TestVaultTransitEndToEnd(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	const token, ns = "hvs.e2e-transit-TOKEN-never-shown", "team-a"
	v := fakevault.New(token)
	v.TransitMount(ns, "transit")
	addr, err := v.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			audit := filepath.Join(t.TempDir(), "audit.log")
			env := []string{"VAULT_ADDR=" + addr, "VAULT_TOKEN=" + token, "VAULT_NAMESPACE=" + ns, "HELM_SECRETS_AUDIT_LOG=" + audit}
			run := func(env []string, args ...string) string {
				t.Helper()
				out, errOut, code := h.runEnv(env, args...)
				if code != 0 {
					t.Fatalf("helm %v: exit %d\n%s\n%s", args, code, out, errOut)
				}
				return out
			}
			testenv.WriteFile(t, h.work, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    hc_vault_transit_uri: \""+addr+"/v1/transit/keys/"+h.name+"\"\n")
			testenv.WriteFile(t, h.work, "secrets.yaml", "password: "+canary+"-vault\n")
			testenv.WriteFile(t, h.work, "secrets-port.yaml", "port: 8443\n")
			run(env, "secrets", "encrypt", "-i", "secrets.yaml")
			run(env, "secrets", "encrypt", "-i", "secrets-port.yaml")
			if n := v.TransitCalls("encrypt", ns, "transit", h.name); n != 2 {
				t.Fatalf("%d encrypt calls for two files", n)
			}
			cmd := exec.Command(sops, "-d", "secrets.yaml")
			cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
			if out, errOut, code := runCmd(t, cmd); code != 0 || out != "password: "+canary+"-vault\n" {
				t.Fatalf("sops -d: exit %d %q\n%s", code, out, errOut)
			}

			enc, err := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			testenv.WriteFile(t, h.work, "secrets-copy.yaml", string(enc))
			before := v.TransitCalls("decrypt", ns, "transit", h.name)
			out := run(env, "secrets", "template", "rel", chart(), "-f", "secrets.yaml", "-f", "secrets-port.yaml", "-f", "secrets-copy.yaml")
			if !strings.Contains(out, canary+"-vault") || !strings.Contains(out, `port: "8443"`) {
				t.Fatalf("helm secrets template:\n%s", out)
			}
			if n := v.TransitCalls("decrypt", ns, "transit", h.name) - before; n != 2 {
				t.Fatalf("%d decrypt calls for two data keys (three files, one a copy) in one run", n)
			}
			if got := run(env, "template", "rel", chart(), "-f", "secrets://secrets.yaml", "-f", "secrets://secrets-port.yaml"); got != out {
				t.Fatalf("plain helm with secrets://:\n%s\nwant\n%s", got, out)
			}

			v.RotateTransitKey(ns, "transit", h.name)
			run(env, "secrets", "rotate", "-i", "secrets.yaml")
			if b, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml")); !strings.Contains(string(b), "enc: vault:v2:") {
				t.Fatalf("rotate after Vault's key rotation:\n%s", b)
			}

			// edit: one decrypt call opens the data key, the new value is
			// encrypted with it, and no new data key is wrapped; the sops
			// CLI reads the result. With a wrong token the editor never
			// runs and the file stays as it was.
			editor, ran := sedEditor(t, "-vault$", "-vault-edited")
			wrapped := wrappedKeys(t, filepath.Join(h.work, "secrets.yaml"))
			dec, encs := v.TransitCalls("decrypt", ns, "transit", h.name), v.TransitCalls("encrypt", ns, "transit", h.name)
			if out := run(append(env, editor), "secrets", "edit", "secrets.yaml"); out != "" {
				t.Fatalf("edit wrote to stdout: %q", out)
			}
			if d, e := v.TransitCalls("decrypt", ns, "transit", h.name)-dec, v.TransitCalls("encrypt", ns, "transit", h.name)-encs; d != 1 || e != 0 {
				t.Fatalf("edit: %d decrypt and %d encrypt calls, want 1 and 0", d, e)
			}
			if got := wrappedKeys(t, filepath.Join(h.work, "secrets.yaml")); got != wrapped {
				t.Fatalf("edit changed the wrapped data key:\n%s\nwas\n%s", got, wrapped)
			}
			if out := run(env, "secrets", "decrypt", "secrets.yaml"); out != "password: "+canary+"-vault-edited\n" {
				t.Fatalf("helm secrets decrypt after edit: %q", out)
			}
			cmd = exec.Command(sops, "-d", "secrets.yaml")
			cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
			if out, errOut, code := runCmd(t, cmd); code != 0 || out != "password: "+canary+"-vault-edited\n" {
				t.Fatalf("sops -d after edit: exit %d %q\n%s", code, out, errOut)
			}
			if err := os.Remove(ran); err != nil {
				t.Fatalf("the editor did not run: %v", err)
			}
			edited, err := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			wrong := []string{"VAULT_ADDR=" + addr, "VAULT_TOKEN=wrong-" + token[4:], "VAULT_NAMESPACE=" + ns, editor}
			if out, errOut, code := h.runEnv(wrong, "secrets", "edit", "secrets.yaml"); code == 0 || !strings.Contains(errOut, "Vault refused the token") || strings.Contains(out+errOut, token[4:]) || strings.Contains(out+errOut, canary) {
				t.Fatalf("edit with a wrong token: exit %d\n%s\n%s", code, out, errOut)
			}
			if b, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml")); string(b) != string(edited) {
				t.Fatal("a failed edit changed the file")
			}
			if _, err := os.Stat(ran); err == nil {
				t.Fatal("the editor ran although the file could not be decrypted")
			}

			for _, c := range []struct {
				name string
				env  []string
				want string
			}{
				{"wrong token", []string{"VAULT_ADDR=" + addr, "VAULT_TOKEN=wrong-" + token[4:], "VAULT_NAMESPACE=" + ns, "HELM_SECRETS_AUDIT_LOG=" + audit}, "Vault refused the token"},
				{"no token", []string{"VAULT_ADDR=" + addr, "VAULT_NAMESPACE=" + ns, "HELM_SECRETS_AUDIT_LOG=" + audit}, "no Vault token"},
			} {
				out, errOut, code := h.runEnv(c.env, "secrets", "template", "rel", chart(), "-f", "secrets.yaml")
				if code == 0 || out != "" {
					t.Fatalf("%s: exit %d, helm's output %q", c.name, code, out)
				}
				for _, w := range []string{"hc_vault", "transit/decrypt/" + h.name, "secrets.yaml", c.want} {
					if !strings.Contains(errOut, w) {
						t.Fatalf("%s: the message lacks %q:\n%s", c.name, w, errOut)
					}
				}
				if strings.Contains(errOut, token[4:]) || strings.Contains(errOut, canary) {
					t.Fatalf("%s: a secret in the message:\n%s", c.name, errOut)
				}
				t.Logf("%s: %s", c.name, strings.TrimSpace(errOut))
			}
			if b, err := os.ReadFile(audit); err != nil || strings.Contains(string(b), token[4:]) || strings.Contains(string(b), canary) {
				t.Fatalf("audit log: %v, or a secret in it", err)
			}
		})
	}
}
