package helm_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"sigs.k8s.io/yaml"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv/sdktest"
	"github.com/helm-secrets/helm-secrets/pkg/helm"
)

// writeEncrypted encrypts plain to a fresh age key, writes it to
// dir/name, and returns the engine holding the key.
var writeEncrypted = sdktest.WriteEncrypted

// demoChart is a one-template chart that puts .Values.db into a Secret.
func demoChart() *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "demo", Version: "0.1.0"},
		Templates: []*chart.File{{Name: "templates/secret.yaml", Data: []byte(`apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-db
stringData:
  host: {{ .Values.db.host | quote }}
  password: {{ .Values.db.password | quote }}
`)}},
	}
}

// fakeCluster is Helm's test fixture: releases in memory and a kube
// client that accepts everything. Use NewConfiguration for a real cluster.
func fakeCluster() *action.Configuration {
	return &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   &kubefake.PrintingKubeClient{Out: io.Discard},
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...interface{}) {},
	}
}

// Merge an encrypted values file with --set values, as
// `helm secrets template -f secrets.yaml --set ...` would.
func ExampleValueOptions_MergeValues() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	eng := writeEncrypted(dir, "secrets.yaml", "db:\n  password: s3cr3t\nreplicas: 1\n")

	opts := helm.ValueOptions{
		ValueFiles: []string{filepath.Join(dir, "secrets.yaml")}, // -f
		Values:     []string{"db.host=postgres,replicas=2"},      // --set
	}
	vals, err := opts.MergeValues(context.Background(), eng, nil)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := yaml.Marshal(vals)
	fmt.Print(string(out))
	// Output:
	// db:
	//   host: postgres
	//   password: s3cr3t
	// replicas: 2
}

// Install a chart with an encrypted values file.
func ExampleInstall() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	eng := writeEncrypted(dir, "secrets.yaml", "db:\n  password: s3cr3t\n")

	cfg := fakeCluster() // helm.NewConfiguration(nil, "prod", nil) for the cluster in KUBECONFIG
	install := helm.NewInstall(cfg)
	install.ReleaseName = "shop"
	install.Namespace = "prod"
	install.Engine = eng // nil: keys from the environment, as sops finds them
	install.Values.ValueFiles = []string{filepath.Join(dir, "secrets.yaml")}
	install.Values.Values = []string{"db.host=postgres"}
	rel, err := install.Run(context.Background(), demoChart())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rel.Name, rel.Namespace, rel.Version, rel.Info.Status)
	fmt.Println(strings.Contains(rel.Manifest, `password: "s3cr3t"`))
	// Output:
	// shop prod 1 deployed
	// true
}

// Upgrade a release, installing it when it does not exist yet
// (`helm secrets upgrade --install`).
func ExampleUpgrade() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	eng := writeEncrypted(dir, "secrets.yaml", "db:\n  password: s3cr3t\n")

	cfg := fakeCluster()
	for i := 0; i < 2; i++ {
		upgrade := helm.NewUpgrade(cfg)
		upgrade.Install = true
		upgrade.Namespace = "prod"
		upgrade.Engine = eng
		upgrade.Values.ValueFiles = []string{filepath.Join(dir, "secrets.yaml")}
		rel, err := upgrade.Run(context.Background(), "shop", demoChart())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rel.Name, rel.Version, rel.Info.Status)
	}
	// Output:
	// shop 1 deployed
	// shop 2 deployed
}

// Render a chart without a cluster, as `helm secrets template` does.
func ExampleTemplate() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	eng := writeEncrypted(dir, "secrets.yaml", "db:\n  password: s3cr3t\n")

	tpl := helm.NewTemplate()
	tpl.ReleaseName = "shop"
	tpl.Engine = eng
	tpl.Values.ValueFiles = []string{filepath.Join(dir, "secrets.yaml")}
	tpl.Values.StringValues = []string{"db.host=postgres"}
	rel, err := tpl.Run(context.Background(), demoChart())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(tpl.Output(rel))
	// Output:
	// ---
	// # Source: demo/templates/secret.yaml
	// apiVersion: v1
	// kind: Secret
	// metadata:
	//   name: shop-db
	// stringData:
	//   host: "postgres"
	//   password: "s3cr3t"
}
