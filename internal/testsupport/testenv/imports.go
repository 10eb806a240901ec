package testenv

import (
	"os/exec"
	"strings"
	"testing"
)

// CheckImports fails t for every non-standard package the package in the
// working directory links that allowed does not list: an entry matches
// itself and the packages below it, and an entry ending in "/" every
// package that starts with it. The lean binaries' tests use it to keep
// sops, the key-service clients and the Helm SDK out.
func CheckImports(t *testing.T, what string, allowed []string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		ok := false
		for _, a := range allowed {
			if p == a || strings.HasPrefix(p, a+"/") || (strings.HasSuffix(a, "/") && strings.HasPrefix(p, a)) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s links %s", what, p)
		}
	}
}
