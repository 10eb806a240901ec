package placement

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// benchServices is the size of the benchmark chart: one Deployment,
// ConfigMap and Secret per service, five secret values each.
const benchServices = 200

// benchTemplate renders, for every service, a Secret with its five
// secret values (data and stringData), a ConfigMap with twenty plain
// settings and a Deployment mounting the Secret; every tenth service
// also leaks its password into the ConfigMap and an env literal.
const benchTemplate = `{{- range $name, $svc := .Values.services }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ $.Release.Name }}-{{ $name }}
  labels:
    app.kubernetes.io/name: {{ $name }}
    app.kubernetes.io/instance: {{ $.Release.Name }}
type: Opaque
data:
  password: {{ index $.Values.secrets $name "password" | b64enc }}
  token: {{ index $.Values.secrets $name "token" | b64enc }}
stringData:
  api-key: {{ index $.Values.secrets $name "apiKey" | quote }}
  dsn: {{ printf "postgres://app:%s@db/%s" (index $.Values.secrets $name "dbPassword") $name | quote }}
  tls.key: |
{{ index $.Values.secrets $name "key" | indent 4 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Release.Name }}-{{ $name }}
data:
{{- range $k, $v := $svc.settings }}
  {{ $k }}: {{ $v | quote }}
{{- end }}
{{- if $svc.leak }}
  db-password: {{ index $.Values.secrets $name "password" | quote }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $.Release.Name }}-{{ $name }}
spec:
  replicas: {{ $svc.replicas }}
  selector:
    matchLabels: {app: {{ $name }}}
  template:
    metadata:
      labels: {app: {{ $name }}}
    spec:
      containers:
        - name: app
          image: {{ $svc.image }}
          args: ["--port=8080", "--log-level=info"]
          env:
            - name: SERVICE
              value: {{ $name | quote }}
{{- if $svc.leak }}
            - name: DB_PASSWORD
              value: {{ index $.Values.secrets $name "password" | quote }}
{{- end }}
          volumeMounts:
            - {name: secret, mountPath: /etc/secret, readOnly: true}
      volumes:
        - name: secret
          secret: {secretName: {{ $.Release.Name }}-{{ $name }}}
{{- end }}
`

// benchChart builds the chart, its values (plain settings and the
// decrypted secrets) and the secrets document.
func benchChart(tb testing.TB) (*chart.Chart, chartutil.Values, []byte) {
	services := map[string]interface{}{}
	secrets := map[string]interface{}{}
	for i := 0; i < benchServices; i++ {
		name := fmt.Sprintf("svc%03d", i)
		settings := map[string]interface{}{}
		for j := 0; j < 20; j++ {
			settings[fmt.Sprintf("setting-%02d", j)] = fmt.Sprintf("value %d of %s, nothing secret here", j, name)
		}
		services[name] = map[string]interface{}{"settings": settings, "replicas": 2, "image": "registry.example.com/" + name + ":1.0", "leak": i%10 == 0}
		var key strings.Builder
		key.WriteString("-----BEGIN PRIVATE KEY-----\n")
		for l := 0; l < 8; l++ {
			fmt.Fprintf(&key, "MIIE%sLine%02dKeyMaterialForBenchmarkOnly%060d\n", name, l, i*100+l)
		}
		key.WriteString("-----END PRIVATE KEY-----\n")
		secrets[name] = map[string]interface{}{
			"password":   fmt.Sprintf("pw-%s-%08x", name, i*7919),
			"token":      fmt.Sprintf("tok-%s-%016x", name, i*104729),
			"apiKey":     fmt.Sprintf("ak_%s_%024x", name, i*1299709),
			"dbPassword": fmt.Sprintf("db-%s-%010x", name, i*15485863),
			"key":        key.String(),
		}
	}
	doc, err := yaml.Marshal(map[string]interface{}{"secrets": secrets})
	if err != nil {
		tb.Fatal(err)
	}
	ch := &chart.Chart{
		Metadata:  &chart.Metadata{APIVersion: "v2", Name: "bench", Version: "0.1.0"},
		Templates: []*chart.File{{Name: "templates/all.yaml", Data: []byte(benchTemplate)}},
	}
	vals, err := chartutil.ToRenderValues(ch, map[string]interface{}{"services": services, "secrets": secrets},
		chartutil.ReleaseOptions{Name: "bench", Namespace: "default"}, chartutil.DefaultCapabilities)
	if err != nil {
		tb.Fatal(err)
	}
	return ch, vals, doc
}

// renderChart is helm template's rendering of ch: every template, sorted, each
// after a "# Source:" line.
func renderChart(tb testing.TB, ch *chart.Chart, vals chartutil.Values) []byte {
	out, err := engine.Render(ch, vals)
	if err != nil {
		tb.Fatal(err)
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		for _, doc := range strings.Split(out[n], "\n---\n") {
			if strings.TrimSpace(doc) != "" {
				fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", n, strings.TrimSpace(doc))
			}
		}
	}
	return []byte(b.String())
}

// TestBenchChart: the benchmark's output holds what it should (so the
// benchmark measures a real check): the 20 leaks, and 1000 values in
// Secrets.
func TestBenchChart(t *testing.T) {
	ch, vals, doc := benchChart(t)
	manifest := renderChart(t, ch, vals)
	r, err := Run(Options{Manifest: manifest, Secrets: redact.Leaves("secrets.yaml", doc)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 2*benchServices/10 || r.InSecrets < 4*benchServices {
		t.Errorf("%d findings, %d in Secrets", len(r.Findings), r.InSecrets)
	}
}

// BenchmarkRender is the render the check follows: helm's template
// engine on the benchmark chart.
func BenchmarkRender(b *testing.B) {
	ch, vals, _ := benchChart(b)
	b.SetBytes(int64(len(renderChart(b, ch, vals))))
	b.ResetTimer()
	for b.Loop() {
		renderChart(b, ch, vals)
	}
}

// BenchmarkPlacement is the check of that output for the 1000 decrypted
// values (compiling the patterns included).
func BenchmarkPlacement(b *testing.B) {
	ch, vals, doc := benchChart(b)
	manifest := renderChart(b, ch, vals)
	secrets := redact.Leaves("secrets.yaml", doc)
	b.SetBytes(int64(len(manifest)))
	b.ReportMetric(float64(len(secrets)), "values")
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(Options{Manifest: manifest, Secrets: secrets}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHelmTemplate is plain `helm template` of the same chart, the
// real binary (HELM3_BIN or HELM4_BIN; skipped without): the command the
// check is weighed against (docs/performance.md).
func BenchmarkHelmTemplate(b *testing.B) {
	helm := os.Getenv("HELM3_BIN")
	if os.Getenv("BENCH_HELM") == "v4" {
		helm = os.Getenv("HELM4_BIN")
	}
	if helm == "" {
		b.Skip("HELM3_BIN not set")
	}
	ch, vals, _ := benchChart(b)
	dir := b.TempDir()
	for _, f := range append([]*chart.File{{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: bench\nversion: 0.1.0\n")}}, ch.Templates...) {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f.Name)), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	values, err := yaml.Marshal(vals["Values"])
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "values.yaml"), values, 0o644); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command(helm, "template", "bench", dir).Output()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ResetTimer()
	for b.Loop() {
		if err := exec.Command(helm, "template", "bench", dir).Run(); err != nil {
			b.Fatal(err)
		}
	}
}
