package helm4_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOneHelmPerProgram: a program that imports package helm4 links Helm
// 4 and not Helm 3, and one that imports package helm links Helm 3 and not
// Helm 4, and so do the example programs built on them.
func TestOneHelmPerProgram(t *testing.T) {
	const mod = "github.com/helm-secrets/helm-secrets/"
	for _, c := range []struct{ pkg, links, not string }{
		{mod + "pkg/helm4", "helm.sh/helm/v4/pkg/action", "helm.sh/helm/v3/"},
		{mod + "examples/install-helm4", "helm.sh/helm/v4/pkg/action", "helm.sh/helm/v3/"},
		{mod + "pkg/helm", "helm.sh/helm/v3/pkg/action", "helm.sh/helm/v4/"},
		{mod + "examples/install", "helm.sh/helm/v3/pkg/action", "helm.sh/helm/v4/"},
	} {
		out, err := exec.Command("go", "list", "-deps", c.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", c.pkg, err)
		}
		linked := false
		for _, p := range strings.Fields(string(out)) {
			linked = linked || p == c.links
			if strings.HasPrefix(p, c.not) {
				t.Errorf("%s links %s", c.pkg, p)
			}
		}
		if !linked {
			t.Errorf("%s does not link %s: the check looks at the wrong packages", c.pkg, c.links)
		}
	}
}
