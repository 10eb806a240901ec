package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv/sdktest"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestInstall runs the program's core against Helm 4's fake cluster: it
// installs, then upgrades, with the encrypted password decrypted.
func TestInstall(t *testing.T) {
	chartPath, err := filepath.Abs(filepath.Join("..", "..", "testdata", "charts", "app"))
	if err != nil {
		t.Fatal(err)
	}
	f := sdktest.New(t)
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	cfg.Releases = storage.Init(driver.NewMemory())
	cfg.KubeClient = &kubefake.PrintingKubeClient{Out: io.Discard}
	cfg.Capabilities = common.DefaultCapabilities
	for v, pw := range []string{"first-secret", "second-secret"} {
		secrets := f.Write("secrets.yaml", f.Encrypt("password: "+pw+"\n", encrypt.FormatYAML))
		plain := f.Write("plain.yaml", "port: 8443\n")
		rel, err := install(context.Background(), cfg, f.Eng, chartPath, "app", "shop", []string{plain, secrets})
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != v+1 || rel.Namespace != "shop" || rel.Info.Status != rcommon.StatusDeployed {
			t.Fatalf("release v%d in %s: %s", rel.Version, rel.Namespace, rel.Info.Status)
		}
		for _, want := range []string{`password: "` + pw + `"`, `port: "8443"`} {
			if !strings.Contains(rel.Manifest, want) {
				t.Errorf("manifest lacks %s:\n%s", want, rel.Manifest)
			}
		}
	}
}
