package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm4"
)

// TestSDKHelm4InstallUpgradeTemplate is TestSDKInstallUpgrade on the Helm
// 4 SDK (package helm4): it installs and upgrades through the Go library
// against the real API server (server-side apply, as helm 4 does), reads
// the Kubernetes Secret back after each step, and renders the same values
// with Template, which must produce the manifest that was deployed.
func TestSDKHelm4InstallUpgradeTemplate(t *testing.T) {
	kc := clusterClient(t)
	k := newKeys(t)
	work := t.TempDir()
	ns, rel := "e2e-sdk-helm4", "app" // not deleted: the test cluster has no namespace controller
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg, err := helm4.NewConfiguration(nil, ns, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Helm 4's Uninstall has no wait default: the CLI's is hookOnly.
	uninstall := func() error {
		un := action.NewUninstall(cfg)
		un.WaitStrategy = kube.HookOnlyStrategy
		_, err := un.Run(rel)
		return err
	}
	t.Cleanup(func() { _ = uninstall() }) // after a failure
	readSecret := func() string {
		t.Helper()
		s, err := kc.CoreV1().Secrets(ns).Get(ctx, rel+"-creds", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return string(s.Data["password"])
	}
	secrets := testenv.WriteFile(t, work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-helm4-1\n", encrypt.FormatYAML))

	inst := helm4.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace, inst.CreateNamespace = rel, ns, true
	inst.Timeout = time.Minute
	inst.Engine = k.eng
	inst.Values.ValueFiles = []string{secrets}
	r, err := inst.RunPath(ctx, chart())
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 1 || r.Info.Status != rcommon.StatusDeployed || r.ApplyMethod != "ssa" {
		t.Fatalf("install: v%d %s, apply method %q", r.Version, r.Info.Status, r.ApplyMethod)
	}
	if got := readSecret(); got != canary+"-helm4-1" {
		t.Fatalf("after install: %q", got)
	}

	testenv.WriteFile(t, work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-helm4-2\n", encrypt.FormatYAML))
	up := helm4.NewUpgrade(cfg)
	up.Install, up.Namespace = true, ns
	up.Timeout = time.Minute
	up.Engine = k.eng
	up.Values.ValueFiles = []string{secrets}
	up.Values.Values = []string{"port=8443"}
	if r, err = up.RunPath(ctx, rel, chart()); err != nil {
		t.Fatal(err)
	}
	if r.Version != 2 || r.Info.Status != rcommon.StatusDeployed {
		t.Fatalf("upgrade: v%d %s", r.Version, r.Info.Status)
	}
	if got := readSecret(); got != canary+"-helm4-2" {
		t.Fatalf("after upgrade: %q", got)
	}
	cm, err := kc.CoreV1().ConfigMaps(ns).Get(ctx, rel+"-config", metav1.GetOptions{})
	if err != nil || cm.Data["port"] != "8443" {
		t.Fatalf("configmap after upgrade: %v %v", cm, err)
	}

	// Template renders, without the cluster, what the upgrade deployed.
	tpl := helm4.NewTemplate()
	tpl.ReleaseName, tpl.Namespace = rel, ns
	tpl.Engine = k.eng
	tpl.Values = up.Values
	rendered, err := tpl.RunPath(ctx, chart())
	if err != nil {
		t.Fatal(err)
	}
	if rendered.Manifest != r.Manifest {
		t.Errorf("template:\n%s\ndeployed:\n%s", rendered.Manifest, r.Manifest)
	}
	if out := tpl.Output(rendered); !strings.Contains(out, `password: "`+canary+`-helm4-2"`) {
		t.Errorf("template output lacks the decrypted password:\n%s", out)
	}

	// An undecryptable file changes nothing in the cluster.
	testenv.WriteFile(t, work, "secrets.yaml", "password: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n")
	if _, err := up.RunPath(ctx, rel, chart()); err == nil || !strings.Contains(err.Error(), "values file "+secrets) {
		t.Fatalf("upgrade with an undecryptable file: %v", err)
	}
	if got := readSecret(); got != canary+"-helm4-2" {
		t.Fatalf("after failed upgrade: %q", got)
	}

	if err := uninstall(); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.CoreV1().Secrets(ns).Get(ctx, rel+"-creds", metav1.GetOptions{}); err == nil {
		t.Fatal("Secret still there after uninstall")
	}
}
