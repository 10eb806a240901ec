package valseval

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
)

// attackTree is a working tree (the process' working directory) with a
// values file inside it, a secret and a symlink out of it, and an age key
// file the environment names.
type attackTree struct {
	root, secretFile, ageKey string
}

const (
	secretCanary = "CANARY-outside-4f2a"
	ageCanary    = "AGE-SECRET-KEY-CANARY"
	envCanary    = "CANARY-aws-secret-9d1e"
)

func newAttackTree(t *testing.T) attackTree {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "sub"), outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a := attackTree{root: root, secretFile: filepath.Join(outside, "secret.txt"), ageKey: filepath.Join(base, "keys.txt")}
	w(filepath.Join(root, "values.yaml"), "db:\n  host: db.local\n")
	w(filepath.Join(root, "sub", "plain.txt"), "plain-text")
	w(a.secretFile, secretCanary)
	w(a.ageKey, ageCanary)
	if err := os.Symlink(a.secretFile, filepath.Join(root, "link.yaml")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	t.Chdir(root)
	t.Setenv("SOPS_AGE_KEY_FILE", a.ageKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", envCanary)
	t.Setenv("HELM_NAMESPACE", "ns-one")
	t.Setenv("MY_ALLOWED", "allowed-value")
	t.Setenv(valsproto.EnvEnvsubstAllow, "MY_ALLOWED")
	return a
}

// entryPoints evaluates one expression through each way helm-secrets-vals
// evaluates: a values document (-b vals, vals!, secrets://vals!), a
// literal (--set k=vals!..., secrets+literal://), rendered manifests (the
// post-renderer of --evaluate-templates), a Secret's base64 data
// (--evaluate-templates-decode-secrets) and the serve protocol.
func entryPoints(t *testing.T, e *Evaluator, expr string) map[string]func() (string, error) {
	return map[string]func() (string, error){
		"document": func() (string, error) {
			out, _, err := e.Document("values.yaml", "yaml", []byte("a:\n  b: "+expr+"\n"))
			return string(out), err
		},
		"literal": func() (string, error) {
			out, err := e.Literal("--set k", expr)
			return string(out), err
		},
		"manifests": func() (string, error) {
			in := "---\n# Source: third-party/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: " + expr + "\n"
			out, _, err := e.Manifests([]byte(in), false)
			return string(out), err
		},
		"secret data": func() (string, error) {
			in := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: " + base64.StdEncoding.EncodeToString([]byte(expr)) + "\n"
			out, _, err := e.Manifests([]byte(in), true)
			return string(out), err
		},
		"serve": func() (string, error) {
			var in, out strings.Builder
			pol := e.policy
			_ = valsproto.Write(&in, valsproto.Request{Op: valsproto.OpConfig, Policy: &pol})
			_ = valsproto.Write(&in, valsproto.Request{Op: valsproto.OpLiteral, Source: "serve", Data: []byte(expr)})
			if err := Serve(strings.NewReader(in.String()), &out, nil); err != nil {
				return "", err
			}
			r := valsproto.NewReader(strings.NewReader(out.String()))
			var resp valsproto.Response
			_ = r.Read(&resp) // config
			if err := r.Read(&resp); err != nil {
				return "", err
			}
			if resp.Error != "" {
				return "", &strErr{resp.Error}
			}
			return string(resp.Data), nil
		},
	}
}

type strErr struct{ s string }

func (e *strErr) Error() string { return e.s }

// TestNestedAttacks: a nested reference is checked against the policy at
// every level, so what an inner one spells (a file outside the tree, a
// command, a Vault address, a credential variable) is refused before
// vals looks it up, whatever the entry point.
func TestNestedAttacks(t *testing.T) {
	a := newAttackTree(t)
	vault(t) // VAULT_ADDR and VAULT_TOKEN of the user's own Vault
	var attackerHits atomic.Int32
	var attackerToken atomic.Value
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		attackerToken.Store(r.Header.Get("X-Vault-Token"))
		http.Error(w, "no", http.StatusForbidden)
	}))
	t.Cleanup(attacker.Close)
	// vault() changed HOME: the age key and the tree stay as set up.
	t.Chdir(a.root)
	e := newEval(t, valsproto.Policy{})
	for name, c := range map[string]struct{ expr, rule string }{
		"file outside":             {"ref+ref+echo://file://" + a.secretFile, "reads only files inside the working directory"},
		"file age key":             {"ref+ref+echo://file://" + a.ageKey, "reads only files inside the working directory"},
		"file dotdot":              {"ref+ref+echo://file://../outside/secret.txt", `may not use ".."`},
		"file symlink":             {"ref+ref+echo://file://link.yaml", "is outside it"},
		"exec":                     {"ref+ref+echo://exec://touch/pwned", `"exec" is not allowed by default (it runs a command)`},
		"exec secretref outer":     {"secretref+ref+echo://exec://touch/pwned", `"exec" is not allowed by default`},
		"exec secretref inner":     {"ref+secretref+echo://exec://touch/pwned", `"exec" is not allowed by default`},
		"exec double":              {"ref+ref+ref+echo://echo://exec://touch/pwned", `"exec" is not allowed by default`},
		"exec triple":              {"ref+ref+ref+ref+echo://echo://echo://exec://touch/pwned", `"exec" is not allowed by default`},
		"exec in a string":         {"x-ref+ref+echo://exec://touch/pwned", `"exec" is not allowed by default`},
		"exec built from envsubst": {"ref+ref+envsubst://exec://touch/pwned", `"exec" is not allowed by default`},
		"vault address":            {"ref+ref+echo://vault://secret/app/db%3Faddress=" + attacker.URL + "%23/password", "query parameter(s) address not allowed by default"},
		"vault address via query":  {"ref+vault://secret/app/db?address=" + attacker.URL + "#/password", "query parameter(s) address not allowed by default"},
		"envsubst credential":      {"ref+envsubst://$AWS_SECRET_ACCESS_KEY", "not AWS_SECRET_ACCESS_KEY; to allow it, add it to HELM_SECRETS_VALS_ENVSUBST_ALLOW"},
		"envsubst nested":          {"ref+ref+echo://envsubst://$AWS_SECRET_ACCESS_KEY", "not AWS_SECRET_ACCESS_KEY"},
		"envsubst in default":      {"ref+envsubst://a/${MY_ALLOWED:-$AWS_SECRET_ACCESS_KEY}", "not AWS_SECRET_ACCESS_KEY"},
		"httpjson nested":          {"ref+ref+echo://httpjson://" + strings.TrimPrefix(attacker.URL, "http://") + "/x", `"httpjson" is not allowed by default`},
	} {
		for ep, run := range entryPoints(t, e, c.expr) {
			t.Run(name+"/"+ep, func(t *testing.T) {
				out, err := run()
				if err == nil {
					t.Fatalf("evaluated: %q", out)
				}
				msg := err.Error()
				if !strings.Contains(msg, c.rule) {
					t.Errorf("error %q, want the rule %q", msg, c.rule)
				}
				if !strings.Contains(msg, "HELM_SECRETS_VALS_") {
					t.Errorf("error %q does not say how to allow it", msg)
				}
				for _, s := range []string{secretCanary, ageCanary, envCanary, "test-token-123"} {
					if strings.Contains(out+msg, s) {
						t.Errorf("a secret in the output or error: %q %q", out, msg)
					}
				}
			})
		}
	}
	if _, err := os.Stat(filepath.Join(a.root, "pwned")); err == nil {
		t.Error("a nested ref+exec:// ran its command")
	}
	if n := attackerHits.Load(); n != 0 {
		t.Errorf("the attacker's server got %d requests (token %q)", n, attackerToken.Load())
	}
}

// TestNestedWhere: refusals name the file (or manifest) and key path.
func TestNestedWhere(t *testing.T) {
	newAttackTree(t)
	e := newEval(t, valsproto.Policy{})
	expr := "ref+ref+echo://exec://touch/pwned"
	for ep, want := range map[string]string{
		"document":    "values.yaml: key a.b: ref+exec://touch/pwned: vals provider \"exec\"",
		"literal":     "--set k: ref+exec://touch/pwned: vals provider \"exec\"",
		"manifests":   "manifest 1 (ConfigMap/cm) from third-party/templates/cm.yaml, key data.k: ref+exec://touch/pwned",
		"secret data": "manifest 1 (Secret/s), key data.k (base64-decoded): ref+exec://touch/pwned",
	} {
		_, err := entryPoints(t, e, expr)[ep]()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", ep, err, want)
		}
	}
}

// TestNestedAllowed: what the default policy allows, nested or not.
func TestNestedAllowed(t *testing.T) {
	newAttackTree(t)
	e := newEval(t, valsproto.Policy{})
	for expr, want := range map[string]string{
		"ref+file://values.yaml#/db/host":                       "db.local",
		"ref+file://./values.yaml#/db/host":                     "db.local",
		"ref+file://sub/plain.txt":                              "plain-text",
		"ref+echo://hello":                                      "hello",
		"ref+envsubst://$HELM_NAMESPACE":                        "ns-one",
		"ref+envsubst://$MY_ALLOWED":                            "allowed-value",
		"ref+echo://pre-ref+envsubst://$HELM_NAMESPACE":         "pre-ns-one",
		"ref+ref+echo://file://values.yaml%23/db/host":          "db.local",
		"db=ref+file://values.yaml#/db/host and ref+echo://two": "db=db.local and two",
	} {
		got, err := e.Literal("--set k", expr)
		if err != nil || string(got) != want {
			t.Errorf("Literal(%q) = %q, %v; want %q", expr, got, err, want)
		}
	}
	if _, err := e.Literal("--set k", "ref+envsubst://a/${NOT_LISTED:-x}"); err == nil || !strings.Contains(err.Error(), "not NOT_LISTED") {
		t.Errorf("a variable outside the allow list: %v", err)
	}
	if got, err := e.Literal("--set k", "ref+envsubst://a/${MY_ALLOWED}"); err != nil || string(got) != "a/allowed-value" {
		t.Errorf("${MY_ALLOWED}: %q %v", got, err)
	}
	out, _, err := e.Document("v.yaml", "yaml", []byte("h: ref+file://values.yaml#/db/host\nm: ref+file://values.yaml#/db\n"))
	if err != nil || string(out) != "h: db.local\nm:\n  host: db.local\n" {
		t.Errorf("Document: %q %v", out, err)
	}
}

// TestNestedListed: a provider the user lists is allowed nested too (the
// policy, not a blanket refusal, decides), and "all" allows everything.
func TestNestedListed(t *testing.T) {
	if _, err := exec.LookPath("touch"); err != nil {
		t.Skip("no touch")
	}
	a := newAttackTree(t)
	for _, p := range []valsproto.Policy{valsproto.ParsePolicy([]string{"default", "exec"}), valsproto.ParsePolicy([]string{"all"})} {
		e := newEval(t, p)
		canary := filepath.Join(a.root, "pwned")
		_ = os.Remove(canary)
		if _, err := e.Literal("--set k", "ref+ref+echo://exec://touch/pwned"); err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if _, err := os.Stat(canary); err != nil {
			t.Errorf("%+v: the listed exec provider did not run", p)
		}
	}
	e := newEval(t, valsproto.ParsePolicy([]string{"default", "file"}))
	got, err := e.Literal("--set k", "ref+ref+echo://file://"+a.secretFile)
	if err != nil || string(got) != secretCanary {
		t.Errorf("listed file: %q %v", got, err)
	}
}

// TestNestingBounds: nesting depth and the size a value grows to are
// bounded.
func TestNestingBounds(t *testing.T) {
	newAttackTree(t)
	e := newEval(t, valsproto.Policy{})
	deep := strings.Repeat("ref+", 12) + "echo://" + strings.Repeat("echo://", 11) + "x"
	if _, err := e.Literal("--set k", deep); err == nil || !strings.Contains(err.Error(), "nested references") {
		t.Errorf("deep nesting: %v", err)
	}
}

// TestRefusedBeforeFetch: a value naming a refused provider next to an
// allowed one fetches nothing.
func TestRefusedBeforeFetch(t *testing.T) {
	v := vault(t)
	e := newEval(t, valsproto.Policy{})
	for _, expr := range []string{
		"ref+vault://secret/app/db#/password and ref+exec://touch/pwned",
		"ref+vault://secret/app/db?version=ref+exec://touch/pwned#/password",
	} {
		if _, err := e.Literal("--set k", expr); err == nil || !strings.Contains(err.Error(), `"exec" is not allowed`) {
			t.Errorf("%s: %v", expr, err)
		}
	}
	if n := v.Reads("secret/app/db"); n != 0 {
		t.Errorf("Vault was read %d times before the refusal", n)
	}
}

// TestParseRefLikeVals: the path the policy checks (a ref+file:// path,
// an envsubst text) is the one vals hands its provider: ref+echo://
// returns exactly that path, so the two are compared on tricky forms.
func TestParseRefLikeVals(t *testing.T) {
	e := newEval(t, valsproto.ParsePolicy([]string{"all"}))
	for _, key := range []string{
		"echo://values.yaml", "echo://./a/b", "echo:///abs/path", "echo://a:/b",
		"echo://a/%2e%2e/x", "echo://h/p%3Fq=1", "echo://exec:///bin/x",
		"echo://arn:aws:secretsmanager:us-east-1:1:secret:x", "ECHO://Upper/Case", "echo://a/b?x=1",
		"echo://a//b", "echo://a/b%2Fc",
	} {
		r, err := parseRef(key)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		out, err := e.rt.Eval(map[string]interface{}{"v": "ref+" + key})
		if err != nil {
			t.Errorf("%s: vals: %v", key, err)
			continue
		}
		if got := out["v"]; got != strings.TrimRight(r.path, "/") || r.scheme != "echo" {
			t.Errorf("%s: vals looked up %q, the policy would check %q (%s)", key, got, r.path, r.scheme)
		}
	}
	// A host vals cannot parse is refused by both.
	if _, err := parseRef("echo://%2e%2e/x"); err == nil {
		t.Error("an escaped host was parsed")
	}
}
