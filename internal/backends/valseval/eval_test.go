package valseval

import (
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakevault"
)

// vault starts a fake Vault with one KV v2 and one KV v1 mount and points
// vals' client at it.
func vault(t *testing.T) *fakevault.Server {
	t.Helper()
	v := fakevault.New("test-token-123")
	v.Mount("secret", 2)
	v.Mount("kv1", 1)
	v.Put("secret/app/db", map[string]interface{}{"password": "old-pw"})
	v.Put("secret/app/db", map[string]interface{}{"password": "vault-pw-v2", "user": "app"})
	v.Put("kv1/app", map[string]interface{}{"token": "kv1-token"})
	addr, err := v.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	t.Setenv("VAULT_ADDR", addr)
	t.Setenv("VAULT_TOKEN", "test-token-123")
	t.Setenv("HOME", t.TempDir())
	return v
}

func newEval(t *testing.T, p valsproto.Policy) *Evaluator {
	t.Helper()
	e, err := New(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDocumentVault(t *testing.T) {
	v := vault(t)
	e := newEval(t, valsproto.Policy{})
	in := "# db\ndb:\n  password: ref+vault://secret/app/db#/password # v2\n  again: ref+vault://secret/app/db#/password\n  first: ref+vault://secret/app/db?version=1#/password\n" +
		"v1: ref+vault://kv1/app#/token\nuser: ref+vault://secret/app/db/user\n"
	out, noRefs, err := e.Document("values.yaml", "yaml", []byte(in))
	if err != nil || noRefs {
		t.Fatalf("Document: %v %v", noRefs, err)
	}
	want := "# db\ndb:\n  password: vault-pw-v2 # v2\n  again: vault-pw-v2\n  first: old-pw\nv1: kv1-token\nuser: app\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// One runtime, one cache: the repeated ref was fetched once (the
	// ?version=1 one and the whole map are other requests).
	if n := v.Reads("secret/app/db"); n != 3 {
		t.Errorf("secret/app/db read %d times, want 3", n)
	}
	out, _, err = e.Document("values.yaml", "yaml", []byte("x: ref+vault://secret/app/db#/password\n"))
	if err != nil || string(out) != "x: vault-pw-v2\n" || v.Reads("secret/app/db") != 3 {
		t.Errorf("cached read: %q %v, %d reads", out, err, v.Reads("secret/app/db"))
	}
}

func TestDocumentVaultFailures(t *testing.T) {
	vault(t)
	e := newEval(t, valsproto.Policy{})
	for name, c := range map[string]struct{ in, want string }{
		"missing secret": {"a:\n  b: ref+vault://secret/app/nope#/password\n", "values.yaml: key a.b: cannot evaluate ref+vault://secret/app/nope#/password"},
		"missing key":    {"a:\n  - ref+vault://secret/app/db#/nokey\n", "values.yaml: key a[0]: cannot evaluate ref+vault://secret/app/db#/nokey: no value found for key nokey"},
		"no mount":       {"k: ref+vault://other/x#/y\n", "values.yaml: key k: cannot evaluate ref+vault://other/x#/y"},
		"redirect":       {"k: ref+vault://secret/app/db?address=http://127.0.0.1:9#/password\n", `values.yaml: key k: ref+vault://secret/app/db?…#/password: vals provider "vault": query parameter(s) address not allowed`},
		"map not leaf":   {"k: ref+vault://secret/app/db#/password/deeper\n", "values.yaml: key k: cannot evaluate ref+vault://secret/app/db#/password/deeper: "},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := e.Document("values.yaml", "yaml", []byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			for _, secret := range []string{"vault-pw-v2", "old-pw", "test-token-123"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
		})
	}
	t.Setenv("VAULT_TOKEN", "wrong")
	e = newEval(t, valsproto.Policy{})
	_, _, err := e.Document("v.yaml", "yaml", []byte("k: ref+vault://secret/app/db#/password\n"))
	if err == nil || !strings.Contains(err.Error(), "v.yaml: key k: cannot evaluate") || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestLiteralAndManifests(t *testing.T) {
	vault(t)
	e := newEval(t, valsproto.Policy{})
	got, err := e.Literal("--set pw", "ref+vault://secret/app/db#/password")
	if err != nil || string(got) != "vault-pw-v2" {
		t.Fatalf("Literal: %q %v", got, err)
	}
	in := "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: plain   # kept as is\n" +
		"---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  pw: ref+vault://secret/app/db#/password\n"
	out, noRefs, err := e.Manifests([]byte(in), false)
	if err != nil || noRefs {
		t.Fatalf("Manifests: %v %v", noRefs, err)
	}
	want := "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: plain   # kept as is\n" +
		"---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  pw: vault-pw-v2\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	_, _, err = e.Manifests([]byte(strings.Replace(in, "#/password", "#/nokey", 1)), false)
	if err == nil || !strings.Contains(err.Error(), "manifest 2 (Secret/s) from c/templates/s.yaml, key stringData.pw: cannot evaluate ref+vault://secret/app/db#/nokey") {
		t.Errorf("failing manifest: %v", err)
	}
}

func TestOfflineProviders(t *testing.T) {
	t.Setenv("VALS_EVAL_TEST", "from-env")
	dir := t.TempDir()
	e := newEval(t, valsproto.ParsePolicy([]string{"echo", "envsubst", "file"}))
	in := "a: ref+echo://xy\nb: ref+envsubst://$VALS_EVAL_TEST\nn: 3\n"
	out, _, err := e.Document("v.json", "json", []byte(in))
	if err != nil || string(out) != "{\n  \"a\": \"xy\",\n  \"b\": \"from-env\",\n  \"n\": 3\n}\n" {
		t.Errorf("json: %q %v", out, err)
	}
	if _, _, err := e.Document("v.yaml", "yaml", []byte("f: ref+file://"+dir+"/none\n")); err == nil || !strings.Contains(err.Error(), "v.yaml: key f: cannot evaluate ref+file://") {
		t.Errorf("missing file: %v", err)
	}
	if _, noRefs, err := e.Document("v.yaml", "yaml", []byte("a: b\n")); !noRefs || err != nil {
		t.Errorf("no refs: %v %v", noRefs, err)
	}
	// A malformed reference is refused, not passed on.
	if _, _, err := e.Document("v.yaml", "yaml", []byte("a: ref+echo://\n")); err == nil {
		t.Error("malformed ref+echo:// accepted")
	}
}
