package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm"
)

// TestSDKInstallUpgrade installs and upgrades through the Go library (no
// helm binary, no plugin) against the real API server, and reads the
// Kubernetes Secret back after each step.
func TestSDKInstallUpgrade(t *testing.T) {
	if os.Getenv("KUBECONFIG") == "" {
		if testenv.Required() {
			t.Fatal("KUBECONFIG not set: start the cluster with scripts/cluster.sh")
		}
		t.Skip("no cluster (KUBECONFIG unset)")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	k := newKeys(t)
	work := t.TempDir()
	ns, rel := "e2e-sdk-lib", "app" // not deleted: the test cluster has no namespace controller
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg, err := helm.NewConfiguration(nil, ns, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = action.NewUninstall(cfg).Run(rel) }) // after a failure
	readSecret := func() string {
		t.Helper()
		s, err := kc.CoreV1().Secrets(ns).Get(ctx, rel+"-creds", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return string(s.Data["password"])
	}
	secrets := testenv.WriteFile(t, work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-sdk1\n", encrypt.FormatYAML))

	inst := helm.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace, inst.CreateNamespace = rel, ns, true
	inst.Timeout = time.Minute
	inst.Engine = k.eng
	inst.Values.ValueFiles = []string{secrets}
	r, err := inst.RunPath(ctx, chart())
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 1 || r.Info.Status != "deployed" {
		t.Fatalf("install: v%d %s", r.Version, r.Info.Status)
	}
	if got := readSecret(); got != canary+"-sdk1" {
		t.Fatalf("after install: %q", got)
	}

	testenv.WriteFile(t, work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-sdk2\n", encrypt.FormatYAML))
	up := helm.NewUpgrade(cfg)
	up.Install, up.Namespace = true, ns
	up.Timeout = time.Minute
	up.Engine = k.eng
	up.Values.ValueFiles = []string{secrets}
	up.Values.Values = []string{"port=8443"}
	if r, err = up.RunPath(ctx, rel, chart()); err != nil {
		t.Fatal(err)
	}
	if r.Version != 2 || r.Info.Status != "deployed" {
		t.Fatalf("upgrade: v%d %s", r.Version, r.Info.Status)
	}
	if got := readSecret(); got != canary+"-sdk2" {
		t.Fatalf("after upgrade: %q", got)
	}
	cm, err := kc.CoreV1().ConfigMaps(ns).Get(ctx, rel+"-config", metav1.GetOptions{})
	if err != nil || cm.Data["port"] != "8443" {
		t.Fatalf("configmap after upgrade: %v %v", cm, err)
	}

	// An undecryptable file changes nothing in the cluster.
	testenv.WriteFile(t, work, "secrets.yaml", "password: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n")
	if _, err := up.RunPath(ctx, rel, chart()); err == nil || !strings.Contains(err.Error(), "values file "+secrets) {
		t.Fatalf("upgrade with an undecryptable file: %v", err)
	}
	if got := readSecret(); got != canary+"-sdk2" {
		t.Fatalf("after failed upgrade: %q", got)
	}

	if _, err := action.NewUninstall(cfg).Run(rel); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.CoreV1().Secrets(ns).Get(ctx, rel+"-creds", metav1.GetOptions{}); err == nil {
		t.Fatal("Secret still there after uninstall")
	}
}
