package helmvalues_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv/sdktest"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals/helm3"
)

// Merge an encrypted values file with --set values using Helm 3's parser,
// as a Helm-compatible tool of your own would; the plaintext stays in
// memory.
func ExampleMerge() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// An age-encrypted file and the engine holding its key.
	eng := sdktest.WriteEncrypted(dir, "secrets.yaml", "db:\n  password: s3cr3t\nreplicas: 1\n")

	vals, err := helmvalues.Merge(context.Background(), &helmvalues.Sources{
		ValueFiles: []string{filepath.Join(dir, "secrets.yaml")},
		Values:     []string{"replicas=3"},
	}, eng, nil, helm3.Parser)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vals["db"].(map[string]interface{})["password"], vals["replicas"])
	// Output: s3cr3t 3
}
