package fastpath

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestEnvAllows(t *testing.T) {
	for env, want := range map[string]bool{
		"":                                          true,
		"HELM_SECRETS_BACKEND=sops":                 true,
		"HELM_SECRETS_BACKEND=vals":                 false,
		"HELM_SECRETS_LOAD_GPG_KEYS=false":          true,
		"HELM_SECRETS_LOAD_GPG_KEYS=/keys":          false,
		"HELM_DEBUG=false":                          true,
		"HELM_DEBUG=true":                           false,
		"HELM_SECRETS_DEBUG=1":                      false,
		"HELM_SECRETS_ALLOWED_BACKENDS=sops":        false,
		"HELM_SECRETS_BACKEND_ARGS=--ignore-mac":    false,
		"HELM_SECRETS_NOT_READ_BY_ANYONE=x":         true,
		"HELM_SECRETS_TEST_MODE=helm":               false,
		"HELM_SECRETS_VALUES_ALLOW_SYMLINKS=false":  true,
		"HELM_SECRETS_IGNORE_MISSING_VALUES=true":   true,
		"HELM_PLUGIN_DIR=/x":                        true,
		"HELM_SECRETS_EVALUATE_TEMPLATES=true":      true,
		"HELM_SECRETS_KEY_LOCATION_PREFIX=/secrets": true,
	} {
		if got := Allows(Getter, []string{env}); got != want {
			t.Errorf("Allows(Getter, %q) = %v, want %v", env, got, want)
		}
	}
}

// TestEnvIsComplete finds every HELM_SECRETS_* variable named in
// the full binary's packages (every package of this module it links) and
// checks that Getter classifies it, so that a new setting of the
// full downloader cannot be ignored by the fast path.
func TestEnvIsComplete(t *testing.T) {
	re := regexp.MustCompile(`HELM_SECRETS_[A-Z0-9_]*`)
	found := 0
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", "../../../cmd/helm-secrets").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dirs := strings.Fields(string(out))
	if len(dirs) < 5 {
		t.Fatalf("go list found only %q", dirs)
	}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range re.FindAllString(string(b), -1) {
				if strings.HasSuffix(name, "_") {
					continue // a family named in a comment: HELM_SECRETS_ALLOW_*
				}
				found++
				for tn, table := range map[string]map[string]func(string) bool{"Getter": Getter, "Wrapper": Wrapper} {
					if _, ok := table[name]; !ok {
						t.Errorf("%s reads %s, which %s does not classify", f, name, tn)
					}
				}
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d variable names; is the scan broken?", found)
	}
}
