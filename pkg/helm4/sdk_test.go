package helm4_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/kube"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv/sdktest"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm4"
)

// fakeConfig is the fixture Helm's own action tests use: releases in
// memory, a kube client that accepts everything; built with Helm 4's
// constructor so that its logger is set.
func fakeConfig(t *testing.T) *action.Configuration {
	t.Helper()
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	cfg.Releases = storage.Init(driver.NewMemory())
	cfg.KubeClient = &kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}}
	cfg.Capabilities = common.DefaultCapabilities
	return cfg
}

func storedRelease(t *testing.T, cfg *action.Configuration, name string, version int) *release.Release {
	t.Helper()
	r, err := cfg.Releases.Get(name, version)
	if err != nil {
		t.Fatal(err)
	}
	rel, ok := r.(*release.Release)
	if !ok {
		t.Fatalf("stored release is a %T", r)
	}
	return rel
}

func storedPassword(t *testing.T, cfg *action.Configuration, name string, version int) string {
	t.Helper()
	rel := storedRelease(t, cfg, name, version)
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

	inst := helm4.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace = "app", "ns1"
	inst.Engine = f.Eng
	inst.Values = helm4.ValueOptions{ValueFiles: []string{"secrets.yaml"}, Values: []string{"port=8080"}}
	rel, err := inst.RunPath(context.Background(), chartDir)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Info.Status != rcommon.StatusDeployed || rel.Version != 1 || rel.Namespace != "ns1" {
		t.Fatalf("release %s v%d in %s: %s", rel.Name, rel.Version, rel.Namespace, rel.Info.Status)
	}
	if got := storedPassword(t, cfg, "app", 1); got != sdktest.Canary {
		t.Errorf("password %q", got)
	}
	if !strings.Contains(rel.Manifest, `port: "8080"`) {
		t.Errorf("--set not applied:\n%s", rel.Manifest)
	}
	// The helm CLI's defaults: server-side apply, hookOnly waiting.
	if rel.ApplyMethod != "ssa" {
		t.Errorf("apply method %q, want ssa (the helm 4 CLI's default)", rel.ApplyMethod)
	}
	if ws := cfg.KubeClient.(*kubefake.FailingKubeClient).RecordedWaitStrategies; len(ws) == 0 || ws[0] != kube.HookOnlyStrategy {
		t.Errorf("wait strategies %v, want hookOnly (the helm CLI's default)", ws)
	}
}

func TestInstallUndecryptableInstallsNothing(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	f.Write("tampered.yaml", sdktest.Tamper(f.Encrypt("password: "+sdktest.Canary+"\n", encrypt.FormatYAML)))
	cfg := fakeConfig(t)

	inst := helm4.NewInstall(cfg)
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

	up := helm4.NewUpgrade(cfg)
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
		up := helm4.NewUpgrade(cfg)
		up.Install, up.Namespace, up.Engine = install, "ns1", f.Eng
		up.Values.ValueFiles = []string{"secrets.yaml"}
		return up.RunPath(ctx, "app", chartDir)
	}

	if _, err := step(false, "v0"); err == nil || !strings.Contains(err.Error(), `"app" has no deployed releases`) {
		t.Fatalf("upgrade of a missing release without Install: %v", err)
	}
	for v := 1; v <= 2; v++ {
		pw := sdktest.Canary + "-v" + strconv.Itoa(v)
		rel, err := step(true, pw)
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != v || rel.Info.Status != rcommon.StatusDeployed {
			t.Fatalf("step %d: v%d %s", v, rel.Version, rel.Info.Status)
		}
		if got := storedPassword(t, cfg, "app", v); got != pw {
			t.Errorf("v%d password %q", v, got)
		}
	}
	if got := storedRelease(t, cfg, "app", 1).Info.Status; got != rcommon.StatusSuperseded {
		t.Errorf("v1 is %s after the upgrade", got)
	}

	// After `helm uninstall --keep-history`, upgrade --install installs
	// again over the old history, as the CLI does.
	un := action.NewUninstall(cfg)
	un.KeepHistory = true
	if _, err := un.Run("app"); err != nil {
		t.Fatal(err)
	}
	rel, err := step(true, sdktest.Canary+"-v3")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 3 || rel.Info.Status != rcommon.StatusDeployed {
		t.Fatalf("reinstall: v%d %s", rel.Version, rel.Info.Status)
	}
}

func TestInstallKubeFailure(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	cfg := fakeConfig(t)
	cfg.KubeClient.(*kubefake.FailingKubeClient).WaitError = errors.New("api server says no")
	inst := helm4.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace, inst.Engine = "app", "ns1", f.Eng
	inst.WaitStrategy = kube.StatusWatcherStrategy // --wait
	rel, err := inst.RunPath(context.Background(), chartDir)
	if err == nil || !strings.Contains(err.Error(), "api server says no") {
		t.Fatalf("got %v", err)
	}
	if rel == nil || rel.Info.Status != rcommon.StatusFailed {
		t.Fatalf("release %v", rel)
	}
}

func TestInstallHonoursContext(t *testing.T) {
	chartDir := sdktest.Chart(t, "app")
	f := sdktest.New(t)
	cfg := fakeConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inst := helm4.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace, inst.Engine = "app", "ns1", f.Eng
	if _, err := inst.RunPath(ctx, chartDir); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	up := helm4.NewUpgrade(cfg)
	up.Install, up.Namespace, up.Engine = true, "ns1", f.Eng
	if _, err := up.RunPath(ctx, "app", chartDir); !errors.Is(err, context.Canceled) {
		t.Fatalf("upgrade: got %v", err)
	}
}

func TestChartChecks(t *testing.T) {
	f := sdktest.New(t)
	cfg := fakeConfig(t)
	inst := helm4.NewInstall(cfg)
	inst.ReleaseName, inst.Engine = "x", f.Eng
	if _, err := inst.RunPath(context.Background(), "no-such-chart"); err == nil || !strings.Contains(err.Error(), "load chart no-such-chart") {
		t.Fatalf("got %v", err)
	}
	f.Write("lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n")
	if _, err := inst.RunPath(context.Background(), "lib"); err == nil || !strings.Contains(err.Error(), "library charts are not installable") {
		t.Fatalf("got %v", err)
	}
	f.Write("deps/Chart.yaml", "apiVersion: v2\nname: deps\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 1.0.0\n  repository: file://../sub\n")
	f.Write("deps/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
	if _, err := inst.RunPath(context.Background(), "deps"); err == nil || !strings.Contains(err.Error(), "missing in charts/ directory: sub") {
		t.Fatalf("got %v", err)
	}
	if all, _ := cfg.Releases.ListReleases(); len(all) != 0 {
		t.Fatalf("releases stored: %v", all)
	}
}
