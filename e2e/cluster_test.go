package e2e

import (
	"os"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// clusterClient returns a client for the local API server in KUBECONFIG
// (scripts/cluster.sh). Without one the test is skipped, or fails under
// HELM_SECRETS_REQUIRE_TOOLS=1.
func clusterClient(t *testing.T) *kubernetes.Clientset {
	t.Helper()
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
	return kc
}
