package placement

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

func fixture(t *testing.T) ([]byte, []redact.Secret) {
	t.Helper()
	values, err := os.ReadFile("testdata/secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile("testdata/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return manifest, redact.Leaves("secrets.yaml", values)
}

// key is what a test asserts of a finding.
func key(f Finding) string {
	return strings.Join([]string{string(f.Level), string(f.Rule), f.Resource(), f.Field, f.Source}, " | ")
}

// TestFixture: every canary in the fixture is reported in its place with
// the values key it came from; the Secrets' own fields are not.
func TestFixture(t *testing.T) {
	manifest, secrets := fixture(t)
	r, err := Run(Options{Manifest: manifest, Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, key(f))
	}
	sort.Strings(got)
	want := []string{
		"error | configmap | ConfigMap/prod/demo-config | binaryData[\"app.ini\"] | secrets.yaml:cfg.blobpass",
		"error | configmap | ConfigMap/prod/demo-config | data.token | secrets.yaml:api.token",
		"error | configmap | ConfigMap/prod/demo-config | data[redacted] (key) | secrets.yaml:keyname",
		"error | container-args | Deployment/prod/demo | spec.template.spec.containers[0].args[0] | secrets.yaml:args.flag",
		"error | env-literal | Deployment/prod/demo | spec.template.spec.containers[0].env[0].value | secrets.yaml:json.value",
		"error | metadata | Deployment/prod/demo | metadata.annotations.tls-key | secrets.yaml:tls.key",
		"error | metadata | Deployment/prod/demo | metadata.labels.team | secrets.yaml:labels.team",
		"error | notes | (notes) | (NOTES) | secrets.yaml:notes",
		"error | other-field | Widget/prod/demo-widget | spec.settings.nested[1] | secrets.yaml:crd.spec",
		"error | unparsed | Widget/prod/demo-widget | (outside any field: a comment) | secrets.yaml:comment",
		"warning | secret-env | Deployment/prod/demo | spec.template.spec.containers[0].envFrom[0].secretRef | secrets.yaml:envfrom",
		"warning | secret-env | Deployment/prod/demo | spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef | secrets.yaml:envref",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// db.password and mounted (data, base64), envref and envfrom
	// (stringData): four Secret fields.
	if r.InSecrets != 4 {
		t.Errorf("InSecrets = %d, want 4", r.InSecrets)
	}
	if got, want := strings.Join(r.Skipped, ","), "secrets.yaml:port"; got != want {
		t.Errorf("Skipped = %s, want %s", got, want)
	}
	if r.Errors() != 10 {
		t.Errorf("Errors() = %d, want 10", r.Errors())
	}
	for _, f := range r.Findings {
		if f.Template == "" || f.Line == 0 || f.Document == 0 {
			t.Errorf("finding without template, line or document: %+v", f)
		}
	}
}

// TestForms: each form of a value is found and named.
func TestForms(t *testing.T) {
	secret := "Canary-Forms-19a2b3"
	blob := base64.StdEncoding.EncodeToString([]byte("xy" + secret + "z"))
	quoted, _ := json.Marshal(map[string]string{"p": secret + `"<&`})
	cases := map[string]struct {
		doc  string
		form redact.Form
	}{
		"plain":     {"data:\n  a: pre-" + secret + "-post\n", redact.FormPlain},
		"base64":    {"binaryData:\n  a: " + blob + "\n", redact.FormBase64},
		"escaped":   {"data:\n  a: " + strings.ReplaceAll(string(quoted), `"`, `'`) + "\n", ""},
		"json-in-v": {"data:\n  a: '" + string(quoted) + "'\n", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n" + c.doc
			r, _ := Run(Options{Manifest: []byte(m), Secrets: []redact.Secret{{Name: "s.yaml:k", Value: []byte(secret + `"<&`)}, {Name: "s.yaml:b", Value: []byte(secret)}}})
			if len(r.Findings) == 0 {
				t.Fatalf("no finding in %q", m)
			}
			if c.form != "" && r.Findings[0].Form != string(c.form) {
				t.Errorf("form = %s, want %s", r.Findings[0].Form, c.form)
			}
		})
	}
}

// TestMountedSecretIsFine: a Secret mounted as a volume, its values in
// data and stringData, gives no finding and no warning.
func TestMountedSecretIsFine(t *testing.T) {
	m := `apiVersion: v1
kind: Secret
metadata:
  name: s
data:
  a: ` + base64.StdEncoding.EncodeToString([]byte("Canary-Mount-aa11")) + `
stringData:
  b: Canary-Mount-bb22
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
        - name: c
          volumeMounts: [{name: s, mountPath: /s}]
      volumes:
        - name: s
          secret: {secretName: s}
`
	r, err := Run(Options{Manifest: []byte(m), Secrets: []redact.Secret{{Name: "v:a", Value: []byte("Canary-Mount-aa11")}, {Name: "v:b", Value: []byte("Canary-Mount-bb22")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 0 || r.InSecrets != 2 {
		t.Errorf("findings %v, in Secrets %d; want none and 2", r.Findings, r.InSecrets)
	}
}

// TestSecretEnvOnlyForDecryptedValues: a secretKeyRef to a key that
// holds no decrypted value, or to a Secret of another namespace, is not
// warned about.
func TestSecretEnvOnlyForDecryptedValues(t *testing.T) {
	m := `apiVersion: v1
kind: Secret
metadata: {name: s, namespace: a}
stringData: {k: Canary-Env-cc33, other: plain}
---
kind: Pod
apiVersion: v1
metadata: {name: p, namespace: b}
spec:
  containers:
    - env:
        - {name: X, valueFrom: {secretKeyRef: {name: s, key: k}}}
---
kind: Pod
apiVersion: v1
metadata: {name: q, namespace: a}
spec:
  containers:
    - env:
        - {name: X, valueFrom: {secretKeyRef: {name: s, key: other}}}
        - {name: Y, valueFrom: {secretKeyRef: {name: s, key: k}}}
`
	r, _ := Run(Options{Manifest: []byte(m), Secrets: []redact.Secret{{Name: "v:k", Value: []byte("Canary-Env-cc33")}}})
	if len(r.Findings) != 1 || r.Findings[0].Name != "q" || r.Findings[0].Field != "spec.containers[0].env[1].valueFrom.secretKeyRef" {
		t.Errorf("findings: %+v", r.Findings)
	}
}

// TestNamesHoldingSecrets: a resource name or a key that is a secret is
// printed as [redacted].
func TestNamesHoldingSecrets(t *testing.T) {
	m := "# Source: c/templates/Canary-Name-dd44.yaml\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: Canary-Name-dd44}\ndata: {Canary-Name-dd44: x}\n"
	r, _ := Run(Options{Manifest: []byte(m), Secrets: []redact.Secret{{Name: "v:n", Value: []byte("Canary-Name-dd44")}}})
	out := render(t, r)
	if strings.Contains(out, "Canary-Name") {
		t.Errorf("the secret is printed:\n%s", out)
	}
	if len(r.Findings) != 2 {
		t.Errorf("findings: %+v", r.Findings)
	}
}

// TestUnparsedDocument: a document that is not YAML is still searched.
func TestUnparsedDocument(t *testing.T) {
	m := "kind: ConfigMap\ndata: [unclosed\n  Canary-Broken-ee55\n"
	r, _ := Run(Options{Manifest: []byte(m), Secrets: []redact.Secret{{Name: "v:n", Value: []byte("Canary-Broken-ee55")}}})
	if len(r.Findings) != 1 || r.Findings[0].Rule != RuleUnparsed || r.Findings[0].Line != 3 {
		t.Errorf("findings: %+v", r.Findings)
	}
}

// render writes the report in every format.
func render(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteSARIF(&b, r, "manifest.yaml", "test"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestNoValueInOutput is the canary scan: no output format holds any
// decrypted value (or a line of one, or its base64).
func TestNoValueInOutput(t *testing.T) {
	manifest, secrets := fixture(t)
	policy, err := ParsePolicy("p", []byte("exceptions:\n  - {resource: Widget/*/*, field: '*', reason: accepted for the test}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Policy{nil, policy} {
		r, _ := Run(Options{Manifest: manifest, Secrets: secrets, Policy: p})
		out := render(t, r)
		for _, s := range secrets {
			v := strings.TrimSpace(string(s.Value))
			if len(v) < DefaultMinLen {
				continue
			}
			for _, line := range strings.Split(v, "\n") {
				if len(line) >= DefaultMinLen && !strings.HasPrefix(line, "-----") && strings.Contains(out, line) {
					t.Errorf("%s is in the output", s.Name)
				}
			}
			if strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(v))) {
				t.Errorf("%s is in the output, base64", s.Name)
			}
		}
		if !strings.Contains(out, "Canary") && len(r.Findings) > 0 {
			// The output is not empty of the fixture's names.
			t.Log("no canary: ok")
		}
	}
}

// TestPolicy: an exception moves matching findings to Accepted with its
// reason; the rest stay.
func TestPolicy(t *testing.T) {
	manifest, secrets := fixture(t)
	p, err := ParsePolicy("p", []byte(`exceptions:
  - resource: ConfigMap/prod/demo-*
    field: binaryData*
    reason: the legacy app reads its ini from a ConfigMap
  - resource: Deployment/demo
    field: "*.env[*].valueFrom.secretKeyRef"
    rule: secret-env
    source: "secrets.yaml:env*"
    reason: the app reads only environment variables
`))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := Run(Options{Manifest: manifest, Secrets: secrets, Policy: p})
	var acc []string
	for _, f := range r.Accepted {
		acc = append(acc, f.Field+" "+f.Reason)
	}
	want := []string{
		`binaryData["app.ini"] the legacy app reads its ini from a ConfigMap`,
		`spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef the app reads only environment variables`,
	}
	if strings.Join(acc, "\n") != strings.Join(want, "\n") {
		t.Errorf("accepted:\n%s\nwant:\n%s", strings.Join(acc, "\n"), strings.Join(want, "\n"))
	}
	if len(r.Findings) != 10 {
		t.Errorf("%d findings left, want 10", len(r.Findings))
	}
}

// TestPolicyValidation: unknown keys, a missing reason, field or a bad
// resource are errors naming the exception.
func TestPolicyValidation(t *testing.T) {
	for name, c := range map[string]struct{ doc, want string }{
		"unknown key":     {"exceptions:\n  - {resource: A/b, field: x, reason: r, resons: y}\n", "resons"},
		"unknown top key": {"exception: []\n", "exception"},
		"no reason":       {"exceptions:\n  - {resource: A/b, field: x}\n", "exceptions[0]: reason is required"},
		"blank reason":    {"exceptions:\n  - {resource: A/b, field: x, reason: '  '}\n", "exceptions[0]: reason is required"},
		"no field":        {"exceptions:\n  - {resource: A/b, reason: r}\n", "exceptions[0]: field is required"},
		"bad resource":    {"exceptions:\n  - {resource: A, field: x, reason: r}\n", "exceptions[0]: resource must be"},
		"bad rule":        {"exceptions:\n  - {resource: A/b, field: x, reason: r, rule: nope}\n", `unknown rule "nope"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePolicy("p.yaml", []byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "p.yaml") {
				t.Errorf("error %v, want one with %q", err, c.want)
			}
		})
	}
	if p, err := ParsePolicy("p", nil); err != nil || len(p.Exceptions) != 0 {
		t.Errorf("empty file: %v, %v", p, err)
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{
		{"*", "", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a?c", "abc", true},
		{"data.*", "data.x", true}, {"data.*", "binaryData.x", false},
		{"env[*].value", "env[0].value", true}, {"env[0]", "env0", false}, {"a*b*c", "aXbYbZc", true}, {"a*b", "ac", false},
	} {
		if glob(c.p, c.s) != c.ok {
			t.Errorf("glob(%q, %q) = %t", c.p, c.s, !c.ok)
		}
	}
}

// TestCheck: the library entry takes decrypted documents or value maps
// and names findings by source and key path.
func TestCheck(t *testing.T) {
	m := []byte("kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {a: Canary-Doc-1111, b: Canary-Map-2222}\n")
	r, err := Check(m, []Source{
		{Name: "doc.yaml", Document: []byte("x:\n  y: Canary-Doc-1111\n")},
		{Name: "map", Values: map[string]interface{}{"k": []interface{}{"Canary-Map-2222"}}},
	}, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Field+" "+f.Source)
	}
	if want := "data.a doc.yaml:x.y,data.b map:k[0]"; strings.Join(got, ",") != want {
		t.Errorf("findings %q, want %q", got, want)
	}
}
