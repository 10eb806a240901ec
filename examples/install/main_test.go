package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestInstall runs the program's core against Helm's fake cluster: it
// installs, then upgrades, with the encrypted password decrypted.
func TestInstall(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	dir := t.TempDir()
	chartPath := filepath.Join("..", "..", "testdata", "charts", "app")
	cfg := &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   &kubefake.PrintingKubeClient{Out: io.Discard},
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...interface{}) {},
	}
	for v, pw := range []string{"first-secret", "second-secret"} {
		enc, err := eng.Encrypt(context.Background(), []byte("password: "+pw+"\n"), encrypt.EncryptOptions{
			Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
		if err != nil {
			t.Fatal(err)
		}
		secrets := testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
		plain := testenv.WriteFile(t, dir, "plain.yaml", "port: 8443\n")
		rel, err := install(context.Background(), cfg, eng, chartPath, "app", "shop", []string{plain, secrets})
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != v+1 || rel.Namespace != "shop" || rel.Info.Status != "deployed" {
			t.Fatalf("release v%d in %s: %s", rel.Version, rel.Namespace, rel.Info.Status)
		}
		for _, want := range []string{`password: "` + pw + `"`, `port: "8443"`} {
			if !strings.Contains(rel.Manifest, want) {
				t.Errorf("manifest lacks %s:\n%s", want, rel.Manifest)
			}
		}
	}
}
