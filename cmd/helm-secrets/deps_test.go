package main

import (
	"os/exec"
	"strings"
	"testing"
)

// goListDeps returns the import paths pkg links.
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// TestCLILinksNoHelmSDK: the plugin binary runs the helm binary; it must
// not link a Helm SDK (~190 package inits at every start). Helm 3's strvals
// parser, which finds encrypted literals exactly as helm does, is the one
// Helm package it may use.
func TestCLILinksNoHelmSDK(t *testing.T) {
	for _, p := range goListDeps(t, ".") {
		if strings.HasPrefix(p, "helm.sh/helm/") && p != "helm.sh/helm/v3/pkg/strvals" {
			t.Errorf("cmd/helm-secrets links %s", p)
		}
		if sdk := strings.TrimPrefix(p, "github.com/helm-secrets/helm-secrets/"); sdk == "pkg/helm" || sdk == "pkg/helm4" ||
			strings.HasPrefix(sdk, "pkg/helm/") || strings.HasPrefix(sdk, "pkg/helm4/") {
			t.Errorf("cmd/helm-secrets links the SDK package %s", p)
		}
	}
}
