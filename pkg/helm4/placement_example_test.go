package helm4_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/helm-secrets/helm-secrets/pkg/helm4"
)

// leakyChart keeps the password in a mounted Secret and, by mistake, also
// in a ConfigMap and an env literal.
func leakyChart() *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "demo", Version: "0.1.0"},
		Templates: []*common.File{
			{Name: "templates/secret.yaml", Data: []byte(`apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-db
stringData:
  password: {{ .Values.db.password | quote }}
`)},
			{Name: "templates/app.yaml", Data: []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  dsn: postgres://app:{{ .Values.db.password }}@db/app
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-app
spec:
  containers:
    - name: app
      image: demo:1
      env:
        - name: DB_PASSWORD
          value: {{ .Values.db.password | quote }}
      volumeMounts: [{name: db, mountPath: /etc/db}]
  volumes: [{name: db, secret: {secretName: {{ .Release.Name }}-db}}]
`)},
		},
	}
}

// Check where the decrypted values land in a rendered chart.
func ExampleCheckPlacement() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "secrets.yaml")
	eng := writeEncrypted(dir, "secrets.yaml", "db:\n  password: s3cr3t-pw\n")

	tpl := helm4.NewTemplate()
	tpl.ReleaseName = "shop"
	tpl.Engine = eng
	tpl.Values.ValueFiles = []string{file}
	rel, err := tpl.Run(context.Background(), leakyChart())
	if err != nil {
		log.Fatal(err)
	}
	// The decrypted document: every leaf of it is a secret.
	doc, err := eng.DecryptFile(context.Background(), file)
	if err != nil {
		log.Fatal(err)
	}
	findings, err := helm4.CheckPlacement(tpl.Output(rel), []helm4.SecretValues{{Name: "secrets.yaml", Document: doc}}, helm4.PlacementOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range findings {
		fmt.Println(f.Level, f.Rule, f.Resource(), f.Field, f.Source)
	}
	// Output:
	// error configmap ConfigMap/shop-config data.dsn secrets.yaml:db.password
	// error env-literal Pod/shop-app spec.containers[0].env[0].value secrets.yaml:db.password
}
