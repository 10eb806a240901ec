package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestAWSKMSEndToEnd: kms keys (a .sops.yaml rule with a key group whose
// kms key has an encryption context) through real helm and the installed
// plugin, against an AWS KMS endpoint on 127.0.0.1 (local-kms behind a
// SigV4-checking front) reached by sops' real AWS client, credentials in
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the endpoint in
// AWS_ENDPOINT_URL_KMS: `helm secrets encrypt -i` makes files the sops CLI
// decrypts; `helm secrets template` with two such files and a copy of one
// (the lean wrapper hands kms files to the full binary) renders them with
// one Decrypt call per data key, and the audit record names the key; plain
// helm with secrets:// renders the same; `helm secrets rotate -i` re-wraps
// with one Encrypt call; `helm secrets edit` (EDITOR a script changing
// the value) decrypts with one Decrypt call and keeps the wrapped data key
// (no Encrypt call), and `helm secrets decrypt` and `sops -d` show the new
// value; with a wrong secret edit fails without running the editor or
// changing the file; `check` reports the drift after the rule's encryption
// context changed, and `updatekeys` follows the rule (one Encrypt call).
// Missing, wrong and expired credentials and a
// principal without access stop the run before helm starts (no output)
// with one message naming AWS KMS, the key ARN and what to set; no
// credential is in any message, the debug output or the audit log.
func TestAWSKMSEndToEnd(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	const (
		keyID, secret              = "AKIAHELMSECRETSE2E01", "e2e-aws-SECRET-never-shown"
		expID, expSecret, expToken = "ASIAHELMSECRETSE2E02", "e2e-expired-SECRET-never-shown", "e2e-session-TOKEN-never-shown"
		otherID                    = "AKIAHELMSECRETSE2E03"
	)
	a := fakekms.StartAWS(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			arn, err := a.CreateKey()
			if err != nil {
				t.Fatal(err)
			}
			a.AddUser("app", keyID, secret, arn)
			a.AddSession("app-session", expID, expSecret, expToken, true, arn)
			a.AddUser("other", otherID, secret, "arn:aws:kms:eu-west-2:111122223333:key/none")
			h.setupGetter(t)
			audit := filepath.Join(t.TempDir(), "audit.log")
			base := []string{"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_KMS=" + a.URL, "HELM_SECRETS_AUDIT_LOG=" + audit}
			env := append([]string{"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=" + secret}, base...)
			run := func(env []string, args ...string) (string, string) {
				t.Helper()
				out, errOut, code := h.runEnv(env, args...)
				if code != 0 {
					t.Fatalf("helm %v: exit %d\n%s\n%s", args, code, out, errOut)
				}
				return out, errOut
			}
			testenv.WriteFile(t, h.work, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    key_groups:\n      - kms:\n          - arn: "+arn+"\n            context:\n              app: web\n")
			testenv.WriteFile(t, h.work, "secrets.yaml", "password: "+canary+"-kms\n")
			testenv.WriteFile(t, h.work, "secrets-port.yaml", "port: 8443\n")
			run(env, "secrets", "encrypt", "-i", "secrets.yaml")
			run(env, "secrets", "encrypt", "-i", "secrets-port.yaml")
			if n := a.Calls("Encrypt", arn); n != 2 {
				t.Fatalf("%d Encrypt calls for two files", n)
			}
			cmd := exec.Command(sops, "-d", "secrets.yaml")
			cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
			if out, errOut, code := runCmd(t, cmd); code != 0 || out != "password: "+canary+"-kms\n" {
				t.Fatalf("sops -d: exit %d %q\n%s", code, out, errOut)
			}

			enc, err := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			testenv.WriteFile(t, h.work, "secrets-copy.yaml", string(enc))
			before := a.Calls("Decrypt", arn)
			out, debug := run(append(env, "HELM_SECRETS_DEBUG=1"), "secrets", "template", "rel", chart(), "-f", "secrets.yaml", "-f", "secrets-port.yaml", "-f", "secrets-copy.yaml")
			if !strings.Contains(out, canary+"-kms") || !strings.Contains(out, `port: "8443"`) {
				t.Fatalf("helm secrets template:\n%s", out)
			}
			if n := a.Calls("Decrypt", arn) - before; n != 2 {
				t.Fatalf("%d Decrypt calls for two data keys (three files, one a copy) in one run", n)
			}
			if strings.Contains(debug, secret) || strings.Contains(debug, canary) {
				t.Fatalf("a secret in the debug output:\n%s", debug)
			}
			if b, _ := os.ReadFile(audit); !strings.Contains(string(b), "kms "+arn) {
				t.Fatalf("the audit log does not name the key:\n%s", b)
			}
			if got, _ := run(env, "template", "rel", chart(), "-f", "secrets://secrets.yaml", "-f", "secrets://secrets-port.yaml"); got != out {
				t.Fatalf("plain helm with secrets://:\n%s\nwant\n%s", got, out)
			}

			before = a.Calls("Encrypt", arn)
			run(env, "secrets", "rotate", "-i", "secrets.yaml")
			if n := a.Calls("Encrypt", arn) - before; n != 1 {
				t.Fatalf("rotate: %d Encrypt calls", n)
			}
			if b, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml")); string(b) == string(enc) {
				t.Fatal("rotate did not change the file")
			}

			// edit: one Decrypt call opens the data key, the new value is
			// encrypted with it, and no new data key is wrapped; the sops
			// CLI reads the result. With wrong credentials the editor
			// never runs and the file stays as it was.
			editor, ran := sedEditor(t, "-kms$", "-kms-edited")
			wrapped := wrappedKeys(t, filepath.Join(h.work, "secrets.yaml"))
			dec, encs := a.Calls("Decrypt", arn), a.Calls("Encrypt", arn)
			if out, _ := run(append(env, editor), "secrets", "edit", "secrets.yaml"); out != "" {
				t.Fatalf("edit wrote to stdout: %q", out)
			}
			if d, e := a.Calls("Decrypt", arn)-dec, a.Calls("Encrypt", arn)-encs; d != 1 || e != 0 {
				t.Fatalf("edit: %d Decrypt and %d Encrypt calls, want 1 and 0", d, e)
			}
			if got := wrappedKeys(t, filepath.Join(h.work, "secrets.yaml")); got != wrapped {
				t.Fatalf("edit changed the wrapped data key:\n%s\nwas\n%s", got, wrapped)
			}
			if out, _ := run(env, "secrets", "decrypt", "secrets.yaml"); out != "password: "+canary+"-kms-edited\n" {
				t.Fatalf("helm secrets decrypt after edit: %q", out)
			}
			cmd = exec.Command(sops, "-d", "secrets.yaml")
			cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
			if out, errOut, code := runCmd(t, cmd); code != 0 || out != "password: "+canary+"-kms-edited\n" {
				t.Fatalf("sops -d after edit: exit %d %q\n%s", code, out, errOut)
			}
			if err := os.Remove(ran); err != nil {
				t.Fatalf("the editor did not run: %v", err)
			}
			edited, err := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			wrong := append([]string{"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=wrong-" + secret, editor}, base...)
			if out, errOut, code := h.runEnv(wrong, "secrets", "edit", "secrets.yaml"); code == 0 || !strings.Contains(errOut, "AWS refused the credentials") || strings.Contains(out+errOut, secret) || strings.Contains(out+errOut, canary) {
				t.Fatalf("edit with a wrong secret: exit %d\n%s\n%s", code, out, errOut)
			}
			if b, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml")); string(b) != string(edited) {
				t.Fatal("a failed edit changed the file")
			}
			if _, err := os.Stat(ran); err == nil {
				t.Fatal("the editor ran although the file could not be decrypted")
			}

			// The rule's encryption context changes: check reports the
			// drift, updatekeys wraps the data key under the new context
			// (one Encrypt call), and the file opens with it.
			testenv.WriteFile(t, h.work, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    key_groups:\n      - kms:\n          - arn: "+arn+"\n            context:\n              app: api\n")
			if out, errOut, code := h.runEnv(env, "secrets", "check", "secrets.yaml"); code != 1 || !strings.Contains(out+errOut, "recipient-drift") || !strings.Contains(out+errOut, arn+"|app:api") {
				t.Fatalf("check after the context changed: exit %d\n%s\n%s", code, out, errOut)
			}
			before = a.Calls("Encrypt", arn)
			run(env, "secrets", "updatekeys", "secrets.yaml")
			if n := a.Calls("Encrypt", arn) - before; n != 1 {
				t.Fatalf("updatekeys: %d Encrypt calls", n)
			}
			if b, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml")); !strings.Contains(string(b), "app: api") || strings.Contains(string(b), "app: web") {
				t.Fatalf("updatekeys did not follow the rule's context:\n%s", b)
			}
			if out, errOut, code := h.runEnv(env, "secrets", "check", "secrets.yaml"); code != 0 {
				t.Fatalf("check after updatekeys: exit %d\n%s\n%s", code, out, errOut)
			}
			if out, _ := run(env, "secrets", "decrypt", "secrets.yaml"); out != "password: "+canary+"-kms-edited\n" {
				t.Fatalf("helm secrets decrypt after updatekeys: %q", out)
			}

			for _, c := range []struct {
				name string
				env  []string
				want string
			}{
				{"no credentials", base, "no usable AWS credentials: set AWS_ACCESS_KEY_ID"},
				{"wrong secret", append([]string{"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=wrong-" + secret}, base...), "AWS refused the credentials"},
				{"expired", append([]string{"AWS_ACCESS_KEY_ID=" + expID, "AWS_SECRET_ACCESS_KEY=" + expSecret, "AWS_SESSION_TOKEN=" + expToken}, base...), "the AWS session credentials have expired"},
				{"access denied", append([]string{"AWS_ACCESS_KEY_ID=" + otherID, "AWS_SECRET_ACCESS_KEY=" + secret}, base...), "not allowed to use the key"},
			} {
				out, errOut, code := h.runEnv(c.env, "secrets", "template", "rel", chart(), "-f", "secrets.yaml")
				if code == 0 || out != "" {
					t.Fatalf("%s: exit %d, helm's output %q", c.name, code, out)
				}
				for _, w := range []string{"AWS KMS", arn, "secrets.yaml", c.want} {
					if !strings.Contains(errOut, w) {
						t.Fatalf("%s: the message lacks %q:\n%s", c.name, w, errOut)
					}
				}
				for _, s := range []string{keyID, secret, expID, expSecret, expToken, otherID, canary} {
					if strings.Contains(errOut, s) {
						t.Fatalf("%s: a secret in the message:\n%s", c.name, errOut)
					}
				}
				t.Logf("%s: %s", c.name, strings.TrimSpace(errOut))
			}
			b, err := os.ReadFile(audit)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{keyID, secret, expID, expSecret, expToken, otherID, canary} {
				if strings.Contains(string(b), s) {
					t.Fatalf("a secret in the audit log:\n%s", b)
				}
			}
		})
	}
}
