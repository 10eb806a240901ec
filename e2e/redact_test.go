package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakevault"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// redactChart places every canary where charts put secrets: a ConfigMap,
// an env var, an annotation, Secret.stringData, Secret.data (base64), a
// base64 config blob, a multi-line certificate, and NOTES.txt.
var redactChart = map[string]string{
	"Chart.yaml": "apiVersion: v2\nname: canaries\nversion: 0.1.0\n",
	"templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  annotations:
    example.com/token: {{ .Values.annotation | quote }}
data:
  plain: not-a-secret
  conf: {{ .Values.configmap | quote }}
  json: {{ toJson .Values.quoted | quote }}
  replicas: {{ .Values.replicas | quote }}
  values.yaml: |
{{ toYaml (dict "passphrase" .Values.passphrase) | indent 4 }}
`,
	"templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-app
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: canaries}
  template:
    metadata:
      labels: {app: canaries}
    spec:
      containers:
      - name: app
        image: busybox:1.36
        env:
        - name: API_KEY
          value: {{ .Values.env | quote }}
        - name: QUOTED
          value: {{ .Values.quoted | quote }}
`,
	"templates/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-secret
type: Opaque
stringData:
  password: {{ .Values.stringData | quote }}
  tls.crt: |
{{ .Values.cert | indent 4 }}
data:
  token: {{ .Values.data | b64enc }}
  app.conf: {{ printf "# app config\nhost=db.internal\npassword=%s\nport=5432\n" .Values.blob | b64enc }}
`,
	"templates/fail.yaml": "{{ if .Values.failNow }}{{ fail (printf \"bad value %q\" .Values.env) }}{{ end }}\n",
	"templates/NOTES.txt": "Log in with {{ .Values.notes }} at https://example.com/?k={{ .Values.notes | urlquery }}\n",
}

// redactCanaries are the decrypted values: each value holds a unique
// "CANARY-..." core, so every text form of it (escaped, URL-encoded)
// contains the core too.
var redactCanaries = map[string]string{
	"configmap":  "CANARY-configmap-71c2",
	"env":        "CANARY-env-8a0d",
	"annotation": "CANARY-annotation-4b9e",
	"stringData": "CANARY-stringdata-e3f5",
	"data":       "CANARY-data-0c6a",
	"blob":       "CANARY-blob-92d7",
	"notes":      "CANARY notes/&=9f10",
	"quoted":     `q"u\o'te CANARY-quoted-5e3b <&>`,
	// toYaml folds it at column 80: every line holds a piece.
	"passphrase": "CANARY-pass-word-01 CANARY-pass-word-02 CANARY-pass-word-03 CANARY-pass-word-04 CANARY-pass-word-05 CANARY-pass-word-06",
	"cert":       "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUCANARYcert1line1x\nCANARYcert1line2yQ2FuYXJ5LWNlcnQtbGluZS10d28\n-----END CERTIFICATE-----\n",
}

func redactValues() string {
	var b strings.Builder
	for _, k := range []string{"configmap", "env", "annotation", "stringData", "data", "blob", "notes", "quoted", "passphrase"} {
		b.WriteString(k + ": '" + strings.ReplaceAll(redactCanaries[k], "'", "''") + "'\n")
	}
	b.WriteString("cert: |\n")
	for _, l := range strings.Split(strings.TrimSpace(redactCanaries["cert"]), "\n") {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("replicas: 1\n")
	return b.String()
}

var canaryCore = regexp.MustCompile(`CANARY[- ]?[a-z0-9]*`)

// assertNoCanary fails when out holds a canary: as text (any escaping
// keeps the core) or in a base64 run decoded at any start.
func assertNoCanary(t *testing.T, what, out string) {
	t.Helper()
	if m := canaryCore.FindString(out); m != "" {
		t.Errorf("%s: %q survives:\n%s", what, m, out)
	}
	runs := regexp.MustCompile(`[A-Za-z0-9+/=_-]{8,}`).FindAllString(out, -1)
	for _, run := range runs {
		for start := 0; start < 4; start++ {
			r := strings.TrimRight(run[start:], "=")
			r = r[:len(r)/4*4]
			for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
				if d, err := enc.DecodeString(r); err == nil && strings.Contains(string(d), "CANARY") {
					t.Errorf("%s: base64 run %q holds a canary", what, run)
				}
			}
		}
	}
}

// assertMaskedOnly fails unless redacted is plain with some non-empty
// ranges replaced by [redacted]: every other byte is helm's own.
func assertMaskedOnly(t *testing.T, what, plain, redacted string) {
	t.Helper()
	pieces := strings.Split(redacted, "[redacted]")
	ok := strings.HasPrefix(plain, pieces[0])
	cur := len(pieces[0])
	for _, p := range pieces[1:] {
		if !ok {
			break
		}
		i := strings.Index(plain[min(cur+1, len(plain)):], p)
		ok = i >= 0
		cur = min(cur+1, len(plain)) + i + len(p)
	}
	last := pieces[len(pieces)-1]
	if !ok || !strings.HasSuffix(plain, last) || (len(pieces) == 1 && plain != redacted) {
		t.Errorf("%s: output differs from helm's beyond the masks\n--- helm:\n%s\n--- redacted:\n%s", what, plain, redacted)
	}
	if len(pieces) < 5 {
		t.Errorf("%s: only %d masks:\n%s", what, len(pieces)-1, redacted)
	}
}

// diffDouble is a helm plugin named diff that behaves like helm-diff for a
// new release: it renders the chart with helm template (reading the values
// files itself, as helm-diff does) and prints every line as an addition.
const diffDouble = `set -e
sub=$1; shift
[ "$sub" = upgrade ] || { echo "diff double: only upgrade" >&2; exit 2; }
echo "default, release, manifests (v1) has been added:"
"${HELM_BIN:-helm}" template "$@" | sed 's/^/+ /'
echo "diff double read $# arguments" >&2
`

// TestRedactCanaries: through real helm v3 and v4, template --redact,
// upgrade --install --dry-run --debug (against the API server) and diff
// upgrade (a plugin printing a diff) print none of the canaries in any
// form, and everything else exactly as helm prints it without --redact.
func TestRedactCanaries(t *testing.T) {
	if os.Getenv("KUBECONFIG") == "" {
		if testenv.Required() {
			t.Fatal("KUBECONFIG not set: start the cluster with scripts/cluster.sh")
		}
		t.Skip("no cluster (KUBECONFIG unset)")
	}
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			h.installScriptPlugin(t, "diff", diffDouble)
			chartDir := filepath.Join(h.work, "canaries")
			for p, c := range redactChart {
				testenv.WriteFile(t, chartDir, p, c)
			}
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, redactValues(), encrypt.FormatYAML))
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile, "HELM_SECRETS_QUIET=true"}
			rel := "redact-" + h.name
			for _, tc := range []struct {
				name   string
				args   []string
				redact []string // how redaction is asked for ("" = the default)
			}{
				{"template", []string{"template", rel, "./canaries", "-f", "secrets.yaml"}, []string{"--redact"}},
				{"dry-run", []string{"upgrade", "--install", rel, "./canaries", "-f", "secrets.yaml", "--dry-run", "--debug"}, nil},
				{"diff", []string{"diff", "upgrade", rel, "./canaries", "-f", "secrets.yaml"}, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					plainArgs := append([]string{"secrets", "--redact=false"}, tc.args...)
					plainOut, plainErr, plainCode := h.runEnv(env, plainArgs...)
					if plainCode != 0 || !strings.Contains(plainOut, "CANARY-stringdata") {
						t.Fatalf("unredacted run: %d\n%s\n%s", plainCode, plainOut, plainErr)
					}
					// toYaml folded the passphrase: a line starts with a piece.
					if !regexp.MustCompile(`\n(\+ )? +CANARY-pass-word-0[2-6]`).MatchString(plainOut) {
						t.Errorf("the passphrase is not folded; the test does not test folding:\n%s", plainOut)
					}
					args := append(append([]string{"secrets"}, tc.redact...), tc.args...)
					out, errOut, code := h.runEnv(env, args...)
					if code != plainCode {
						t.Fatalf("exit code %d, helm's is %d\n%s", code, plainCode, errOut)
					}
					assertNoCanary(t, "stdout", out)
					assertNoCanary(t, "stderr", errOut)
					// Quiet: the notice naming the short value is left out
					// (it is printed without -q; Argo CD mode is quiet too).
					if strings.Contains(errOut, "Not redacted") {
						t.Errorf("a notice despite HELM_SECRETS_QUIET:\n%s", errOut)
					}
					// The release's timestamp differs between runs.
					stamp := regexp.MustCompile(`(?m)^LAST DEPLOYED: .*$`)
					assertMaskedOnly(t, "stdout", stamp.ReplaceAllString(plainOut, "LAST DEPLOYED"), stamp.ReplaceAllString(out, "LAST DEPLOYED"))
					if !strings.Contains(out, "plain: not-a-secret") {
						t.Errorf("non-secret value lost:\n%s", out)
					}
					if tc.name == "diff" && !strings.Contains(out, "has been added:\n+ ---\n") {
						t.Errorf("no diff printed:\n%s", out)
					}
					if tc.name == "dry-run" && (!strings.Contains(out, "USER-SUPPLIED VALUES") || !strings.Contains(out, "Log in with [redacted] at https://example.com/?k=[redacted]")) {
						t.Errorf("dry run lacks the values or NOTES:\n%s", out)
					}
				})
			}
			// Without --redact, template prints values as they are.
			if out, _, _ := h.runEnv(env, "secrets", "template", rel, "./canaries", "-f", "secrets.yaml"); !strings.Contains(out, "CANARY-env-8a0d") {
				t.Errorf("template masks by default:\n%s", out)
			}
			// HELM_SECRETS_REDACT=stderr (Argo CD): helm's error message is
			// masked, exit code kept; the manifests of a good run are not.
			_, plainErr, plainCode := h.runEnv(env, "secrets", "template", rel, "./canaries", "-f", "secrets.yaml", "--set", "failNow=true")
			_, errOut, code := h.runEnv(append(env, "HELM_SECRETS_REDACT=stderr"), "secrets", "template", rel, "./canaries", "-f", "secrets.yaml", "--set", "failNow=true")
			if plainCode == 0 || code != plainCode || !strings.Contains(plainErr, "CANARY-env-8a0d") || !strings.Contains(errOut, `bad value "[redacted]"`) {
				t.Errorf("stderr mode: exit %d (helm's %d)\n%s\n--- unredacted:\n%s", code, plainCode, errOut, plainErr)
			}
			assertNoCanary(t, "stderr mode", errOut)
			if out, _, _ := h.runEnv(append(env, "HELM_SECRETS_REDACT=stderr"), "secrets", "template", rel, "./canaries", "-f", "secrets.yaml"); !strings.Contains(out, "CANARY-env-8a0d") {
				t.Errorf("stderr mode masks stdout:\n%s", out)
			}
		})
	}
}

// BenchmarkRedactOverhead: helm template of a 5 MB manifest set through
// the plugin binary, without (plain) and with (redact) the filter, on
// helm v3 and v4. Compare the two ns/op: the difference is the filter's
// cost (docs/performance.md).
func BenchmarkRedactOverhead(b *testing.B) {
	if binaryErr != nil {
		b.Fatal(binaryErr)
	}
	dir := b.TempDir()
	chartDir := filepath.Join(dir, "big")
	testenv.WriteFile(b, chartDir, "Chart.yaml", "apiVersion: v2\nname: big\nversion: 0.1.0\n")
	testenv.WriteFile(b, chartDir, "templates/cms.yaml", `{{- range $i := until (int $.Values.count) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
  annotations:
    example.com/token: {{ $.Values.token | quote }}
data:
  password: {{ $.Values.password | quote }}
  app.conf: {{ printf "[db]\nhost=db-%d\npassword=%s\n" $i $.Values.password | b64enc }}
{{- range $j := until 20 }}
  key-{{ $j }}: "a non-secret configuration value, number {{ $j }} of map {{ $i }}"
{{- end }}
{{- end }}
`)
	id := testenv.AgeKey(b)
	kf := testenv.WriteFile(b, dir, "keys.txt", id.String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	var plain strings.Builder
	plain.WriteString("count: 3300\npassword: bench-password-0f3a9c\ntoken: bench-token-77e1b2d4\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&plain, "extra%d: bench-extra-secret-%02d\n", i, i)
	}
	enc, err := eng.Encrypt(context.Background(), []byte(plain.String()), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
	if err != nil {
		b.Fatal(err)
	}
	testenv.WriteFile(b, dir, "secrets.yaml", string(enc))
	for _, v := range []struct{ name, env string }{{"v3", "HELM3_BIN"}, {"v4", "HELM4_BIN"}} {
		helm := os.Getenv(v.env)
		if helm == "" {
			continue
		}
		for _, mode := range []string{"plain", "redact"} {
			b.Run(v.name+"/"+mode, func(b *testing.B) {
				var size int
				var cpu time.Duration
				for b.Loop() {
					cmd := exec.Command(pluginBin, "--redact="+strconv.FormatBool(mode == "redact"), "template", "r", chartDir, "-f", filepath.Join(dir, "secrets.yaml"))
					cmd.Env = append(os.Environ(), "HELM_SECRETS_HELM_PATH="+helm, "SOPS_AGE_KEY_FILE="+kf, "HELM_SECRETS_QUIET=true")
					out, err := cmd.Output()
					if err != nil {
						b.Fatal(err)
					}
					if mode == "redact" && strings.Contains(string(out), "bench-password") {
						b.Fatal("not masked")
					}
					size = len(out)
					// CPU time of our process and helm (wait4 counts the
					// children it waited for): steadier than wall time on a
					// loaded machine.
					cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				}
				b.ReportMetric(float64(size)/(1<<20), "MiB/render")
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// wordChart is the shell plugin's example (a secret podAnnotation whose
// value is "value") in a chart whose file names, keys and names contain
// that word: values.yaml in a ConfigMap, from-values-yaml, valueFrom.
var wordChart = map[string]string{
	"Chart.yaml":  "apiVersion: v2\nname: words\nversion: 0.1.0\n",
	"values.yaml": "podAnnotations: {}\nvalueName: from-values-yaml\n",
	"templates/values-cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-values
  annotations:
{{ toYaml .Values.podAnnotations | indent 4 }}
data:
  values.yaml: |
    source: values.yaml
  {{ .Values.valueName }}: "see values.yaml"
  secret.json: {{ toJson .Values.podAnnotations | quote }}
  value: "not the secret: the key"
`,
	"templates/deploy.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-values-pod
spec:
  containers:
  - name: app
    image: busybox:1.36
    env:
    - name: SECRET
      value: {{ .Values.podAnnotations.secret | quote }}
    - name: FROM
      valueFrom: {configMapKeyRef: {name: {{ .Release.Name }}-values, key: values.yaml}}
`,
}

// TestRedactWordSecret: with the shell plugin's example secret ("value"),
// template --redact, template --debug, lint and diff (all masking by
// default but the first) print helm's output byte for byte except where
// the secret stands as a value: values.yaml, from-values-yaml, valueFrom
// and the key "value" stay as they are, and no "value" is left as a value.
// Before, values.yaml came out as [redacted]s.yaml.
func TestRedactWordSecret(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			h.installScriptPlugin(t, "diff", diffDouble)
			for p, c := range wordChart {
				testenv.WriteFile(t, h.work, "words/"+p, c)
			}
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "podAnnotations:\n  secret: value\n", encrypt.FormatYAML))
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile, "HELM_SECRETS_QUIET=true"}
			// Where the secret stands as a value in these outputs.
			asValue := regexp.MustCompile(`(?m)((?:secret|value): "?|"secret\\?":\\?")value(\\?"|"?$)`)
			for _, tc := range []struct {
				name   string
				args   []string
				redact []string
				masks  bool // the output holds the secret
			}{
				{"template", []string{"template", "r", "./words", "-f", "secrets.yaml"}, []string{"--redact"}, true},
				{"debug", []string{"template", "r", "./words", "-f", "secrets.yaml", "--debug"}, nil, true},
				{"lint", []string{"lint", "./words", "-f", "secrets.yaml"}, nil, false},
				{"diff", []string{"diff", "upgrade", "r", "./words", "-f", "secrets.yaml"}, nil, true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					plainOut, plainErr, plainCode := h.runEnv(env, append([]string{"secrets", "--redact=false"}, tc.args...)...)
					if plainCode != 0 {
						t.Fatalf("unredacted run: %d\n%s\n%s", plainCode, plainOut, plainErr)
					}
					if tc.masks && (!strings.Contains(plainOut, "values.yaml") || !asValue.MatchString(plainOut)) {
						t.Fatalf("the output lacks the file names or the secret; the test tests nothing:\n%s", plainOut)
					}
					out, errOut, code := h.runEnv(env, append(append([]string{"secrets"}, tc.redact...), tc.args...)...)
					if code != plainCode {
						t.Fatalf("exit code %d, helm's is %d\n%s", code, plainCode, errOut)
					}
					want := asValue.ReplaceAllString(plainOut, "${1}[redacted]${2}")
					if out != want {
						t.Errorf("stdout is not helm's with the secret masked:\n--- want:\n%s\n--- got:\n%s", want, out)
					}
					// --debug: our debug lines and helm's timestamps differ.
					if tc.name != "debug" && errOut != plainErr {
						t.Errorf("stderr changed:\n--- helm:\n%s\n--- got:\n%s", plainErr, errOut)
					}
					if asValue.MatchString(out) {
						t.Errorf("the secret is left as a value:\n%s", out)
					}
				})
			}
		})
	}
}

// TestRedactEvaluatedValues: with --evaluate-templates, a value the
// post-renderer evaluates (a ref+vault:// expression in a chart template,
// fetched from a fake Vault by vals' real client) is masked like a
// decrypted one, through real helm v3 (our binary as --post-renderer) and
// v4 (the secrets-post-renderer plugin), with --redact and by default
// under --debug: the output is helm's with the value masked. Before, the
// wrapper's filter never learnt the value and printed it.
func TestRedactEvaluatedValues(t *testing.T) {
	const canary = "CANARY-vals-redact-3e9a"
	vault := fakevault.New("e2e-vault-token")
	vault.Mount("secret", 2)
	vault.Put("secret/app/db", map[string]interface{}{"password": canary})
	addr, err := vault.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vault.Close() })
	ref := "ref+vault://secret/app/db#/password"
	env := []string{"VAULT_ADDR=" + addr, "VAULT_TOKEN=e2e-vault-token", "HELM_SECRETS_QUIET=true"}
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			if h.name == "v4" {
				h.installPluginCopy(t, "secrets-post-renderer", "plugins/helm-secrets-post-renderer/plugin.yaml")
			}
			for _, tc := range []struct {
				name   string
				redact []string
				extra  []string
			}{
				{"--redact", []string{"--redact"}, nil},
				{"--debug", nil, []string{"--debug"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					args := append([]string{"--evaluate-templates", "template", "app", chart(), "--set", "password=" + ref, "--set", "token=plain-token"}, tc.extra...)
					plainOut, plainErr, plainCode := h.runEnv(env, append([]string{"secrets", "--redact=false"}, args...)...)
					if plainCode != 0 || !strings.Contains(plainOut, `password: "`+canary+`"`) {
						t.Fatalf("unredacted run: %d\n%s\n%s", plainCode, plainOut, plainErr)
					}
					out, errOut, code := h.runEnv(env, append(append([]string{"secrets"}, tc.redact...), args...)...)
					if code != plainCode {
						t.Fatalf("exit code %d, helm's is %d\n%s", code, plainCode, errOut)
					}
					if want := strings.ReplaceAll(plainOut, canary, "[redacted]"); out != want {
						t.Errorf("stdout is not helm's with the value masked:\n--- want:\n%s\n--- got:\n%s\n--- stderr:\n%s", want, out, errOut)
					}
					assertNoCanary(t, "stderr", errOut)
				})
			}
		})
	}
}
