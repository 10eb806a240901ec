package placement

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"

	hplacement "github.com/helm-secrets/helm-secrets/internal/helm/placement"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// renderChart renders the chart in dir with values, as helm template
// prints it: every template, sorted, each document after a "# Source:"
// line.
func renderChart(t *testing.T, dir string, values map[string]interface{}) []byte {
	t.Helper()
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "r", Namespace: "default", IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(out))
	for n := range out {
		if !strings.HasSuffix(n, ".tpl") {
			names = append(names, n)
		}
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

// TestPublicChartPatterns: the findings a reviewer expects on charts in
// the patterns of widely used public charts (testdata/charts/README.md),
// rendered by Helm's engine with the decrypted secrets.yaml: a warning for
// the Bitnami-style database password read through secretKeyRef, an error
// for the password in a ConfigMap's DATABASE_URL and for the token in a
// container's args, nothing for the TLS key in a mounted Secret; the
// report never holds a value.
func TestPublicChartPatterns(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("testdata", "charts", "secrets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]interface{}
	if err := yaml.Unmarshal(doc, &values); err != nil {
		t.Fatal(err)
	}
	secrets := redact.Leaves("secrets.yaml", doc)
	for _, tc := range []struct {
		chart     string
		want      []string // level rule resource field source
		inSecrets int
	}{
		{"postgresql", []string{
			"warning secret-env StatefulSet/default/r-postgresql spec.template.spec.containers[0].env[2].valueFrom.secretKeyRef secrets.yaml:auth.password",
			"warning secret-env StatefulSet/default/r-postgresql spec.template.spec.containers[0].env[3].valueFrom.secretKeyRef secrets.yaml:auth.postgresPassword",
		}, 2},
		{"webapp", []string{
			"error configmap ConfigMap/r-webapp-env data.DATABASE_URL secrets.yaml:db.password",
		}, 0},
		{"ingress-tls", nil, 1},
		{"worker", []string{
			"error container-args Deployment/r-worker spec.template.spec.containers[0].args[1] secrets.yaml:apiToken",
		}, 0},
	} {
		t.Run(tc.chart, func(t *testing.T) {
			manifest := renderChart(t, filepath.Join("testdata", "charts", tc.chart), values)
			r, err := hplacement.Run(hplacement.Options{Manifest: manifest, Secrets: secrets})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range r.Findings {
				got = append(got, strings.Join([]string{string(f.Level), string(f.Rule), f.Resource(), f.Field, f.Source}, " "))
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s\nmanifest:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), manifest)
			}
			if r.InSecrets != tc.inSecrets {
				t.Errorf("%d value(s) in Secrets, want %d", r.InSecrets, tc.inSecrets)
			}
			var b strings.Builder
			_ = hplacement.WriteTable(&b, r)
			_ = hplacement.WriteJSON(&b, r)
			for _, s := range secrets {
				if len(s.Value) >= hplacement.DefaultMinLen && strings.Contains(b.String(), string(s.Value)) {
					t.Errorf("the report holds the value of %s", s.Name)
				}
			}
		})
	}
}
