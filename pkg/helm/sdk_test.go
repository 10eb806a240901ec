package helm_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv/sdktest"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm"
)

// fakeConfig is the fixture Helm's own action tests use: releases in
// memory, a kube client that accepts everything.
func fakeConfig(t *testing.T) *action.Configuration {
	t.Helper()
	return &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   &kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}},
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...interface{}) {},
	}
}

func storedPassword(t *testing.T, cfg *action.Configuration, name string, version int) string {
	t.Helper()
	rel, err := cfg.Releases.Get(name, version)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := rel.Config["password"].(string)
	if !strings.Contains(rel.Manifest, "password: \""+pw+"\"") {
		t.Errorf("manifest does not carry the decrypted password %q:\n%s", pw, rel.Manifest)
	}
	return pw
}

func TestInstallDecryptsValues(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	f.Write("secrets.yaml", f.Encrypt("password: "+sdktest.Canary+"\n", encrypt.FormatYAML))
	cfg := fakeConfig(t)

	inst := helm.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace = "app", "ns1"
	inst.Engine = f.Eng
	inst.Values = helm.ValueOptions{ValueFiles: []string{"secrets.yaml"}, Values: []string{"port=8080"}}
	rel, err := inst.RunPath(context.Background(), chartDir)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Info.Status != release.StatusDeployed || rel.Version != 1 || rel.Namespace != "ns1" {
		t.Fatalf("release %s v%d in %s: %s", rel.Name, rel.Version, rel.Namespace, rel.Info.Status)
	}
	if got := storedPassword(t, cfg, "app", 1); got != sdktest.Canary {
		t.Errorf("password %q", got)
	}
	if !strings.Contains(rel.Manifest, `port: "8080"`) {
		t.Errorf("--set not applied:\n%s", rel.Manifest)
	}
}

func TestInstallUndecryptableInstallsNothing(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	enc := f.Encrypt("password: "+sdktest.Canary+"\n", encrypt.FormatYAML)
	f.Write("tampered.yaml", sdktest.Tamper(enc))
	cfg := fakeConfig(t)

	inst := helm.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace = "app", "ns1"
	inst.Engine = f.Eng
	inst.Values.ValueFiles = []string{"tampered.yaml"}
	_, err := inst.RunPath(context.Background(), chartDir)
	if err == nil || !strings.Contains(err.Error(), "values file tampered.yaml") || !errors.Is(err, encrypt.ErrTampered) {
		t.Fatalf("got %v", err)
	}
	if all, _ := cfg.Releases.ListReleases(); len(all) != 0 {
		t.Fatalf("releases stored: %v", all)
	}

	up := helm.NewUpgrade(cfg)
	up.Install, up.Namespace, up.Engine = true, "ns1", f.Eng
	up.Values.ValueFiles = []string{"tampered.yaml"}
	if _, err := up.RunPath(context.Background(), "app", chartDir); err == nil || !strings.Contains(err.Error(), "values file tampered.yaml") {
		t.Fatalf("upgrade --install: got %v", err)
	}
	if all, _ := cfg.Releases.ListReleases(); len(all) != 0 {
		t.Fatalf("releases stored: %v", all)
	}
}

func TestUpgradeInstallThenUpgrade(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	cfg := fakeConfig(t)
	ctx := context.Background()
	step := func(install bool, pw string) (*release.Release, error) {
		f.Write("secrets.yaml", f.Encrypt("password: "+pw+"\n", encrypt.FormatYAML))
		up := helm.NewUpgrade(cfg)
		up.Install, up.Namespace, up.Engine = install, "ns1", f.Eng
		up.Values.ValueFiles = []string{"secrets.yaml"}
		return up.RunPath(ctx, "app", chartDir)
	}

	if _, err := step(false, "v0"); err == nil || !strings.Contains(err.Error(), `"app" has no deployed releases`) {
		t.Fatalf("upgrade of a missing release without Install: %v", err)
	}
	rel, err := step(true, sdktest.Canary+"-v1")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 1 || rel.Info.Status != release.StatusDeployed {
		t.Fatalf("install: v%d %s", rel.Version, rel.Info.Status)
	}
	rel, err = step(true, sdktest.Canary+"-v2")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 2 || rel.Info.Status != release.StatusDeployed {
		t.Fatalf("upgrade: v%d %s", rel.Version, rel.Info.Status)
	}
	if got := storedPassword(t, cfg, "app", 1); got != sdktest.Canary+"-v1" {
		t.Errorf("v1 password %q", got)
	}
	if got := storedPassword(t, cfg, "app", 2); got != sdktest.Canary+"-v2" {
		t.Errorf("v2 password %q", got)
	}

	// After `helm uninstall --keep-history`, upgrade --install installs
	// again over the old history, as the CLI does.
	un := action.NewUninstall(cfg)
	un.KeepHistory = true
	if _, err := un.Run("app"); err != nil {
		t.Fatal(err)
	}
	rel, err = step(true, sdktest.Canary+"-v3")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 3 || rel.Info.Status != release.StatusDeployed {
		t.Fatalf("reinstall: v%d %s", rel.Version, rel.Info.Status)
	}
}

func TestInstallKubeFailure(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	cfg := fakeConfig(t)
	cfg.KubeClient.(*kubefake.FailingKubeClient).WaitError = errors.New("api server says no")
	inst := helm.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace, inst.Engine = "app", "ns1", f.Eng
	inst.Wait = true
	rel, err := inst.RunPath(context.Background(), chartDir)
	if err == nil || !strings.Contains(err.Error(), "api server says no") {
		t.Fatalf("got %v", err)
	}
	if rel == nil || rel.Info.Status != release.StatusFailed {
		t.Fatalf("release %v", rel)
	}
}

func TestInstallHonoursContext(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	cfg := fakeConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inst := helm.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace, inst.Engine = "app", "ns1", f.Eng
	if _, err := inst.RunPath(ctx, chartDir); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	up := helm.NewUpgrade(cfg)
	up.Install, up.Namespace, up.Engine = true, "ns1", f.Eng
	if _, err := up.RunPath(ctx, "app", chartDir); !errors.Is(err, context.Canceled) {
		t.Fatalf("upgrade: got %v", err)
	}
}

func TestChartChecks(t *testing.T) {
	f := sdktest.New(t)
	cfg := fakeConfig(t)
	inst := helm.NewInstall(cfg)
	inst.ReleaseName, inst.Engine = "x", f.Eng
	if _, err := inst.RunPath(context.Background(), "no-such-chart"); err == nil || !strings.Contains(err.Error(), "load chart no-such-chart") {
		t.Fatalf("got %v", err)
	}
	f.Write("lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n")
	if _, err := inst.RunPath(context.Background(), "lib"); err == nil || !strings.Contains(err.Error(), "library charts are not installable") {
		t.Fatalf("got %v", err)
	}
}
