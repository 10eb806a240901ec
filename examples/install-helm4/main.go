// Command install-helm4 is examples/install on the Helm 4 SDK (package
// helm4): it installs or upgrades a chart with SOPS-encrypted values
// files, in process, like `helm secrets upgrade --install`:
//
//	install-helm4 CHART RELEASE NAMESPACE [VALUES_FILE...]
//
// Keys come from the environment as sops finds them (SOPS_AGE_KEY_FILE,
// ...), the cluster from KUBECONFIG. Plaintext never touches the disk. It
// links Helm 4 only.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm4"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: install-helm4 CHART RELEASE NAMESPACE [VALUES_FILE...]")
		os.Exit(2)
	}
	chartPath, name, namespace, files := os.Args[1], os.Args[2], os.Args[3], os.Args[4:]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg, err := helm4.NewConfiguration(nil, namespace, nil)
	if err == nil {
		var rel *release.Release
		if rel, err = install(ctx, cfg, nil, chartPath, name, namespace, files); err == nil {
			fmt.Printf("release %s revision %d in %s: %s\n", rel.Name, rel.Version, rel.Namespace, rel.Info.Status)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "install-helm4:", err)
	os.Exit(1)
}

// install is `helm secrets upgrade --install --create-namespace --wait`.
// A nil engine finds keys in the environment.
func install(ctx context.Context, cfg *action.Configuration, eng *encrypt.Engine, chartPath, name, namespace string, valuesFiles []string) (*release.Release, error) {
	up := helm4.NewUpgrade(cfg)
	up.Install = true
	up.CreateNamespace = true
	up.Namespace = namespace
	up.WaitStrategy = kube.StatusWatcherStrategy // --wait
	up.Timeout = 5 * time.Minute
	up.Engine = eng
	up.Values.ValueFiles = valuesFiles
	return up.RunPath(ctx, name, chartPath)
}
