package version

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestSemver: the version is plain semver (Helm >= 4.2 rejects a "v"
// prefix) with a major above 3 (helmfile runs `helm secrets decrypt` only
// for major > 3) and at least helmfile init's recommended 4.7.4.
func TestSemver(t *testing.T) {
	m := regexp.MustCompile(`^([0-9]+)\.([0-9]+)\.([0-9]+)$`).FindStringSubmatch(String())
	if m == nil {
		t.Fatalf("version %q is not MAJOR.MINOR.PATCH", String())
	}
	if m[1] == "0" || m[1] == "1" || m[1] == "2" || m[1] == "3" {
		t.Fatalf("version %q: the major must be > 3", String())
	}
}

// TestManifestsCarryTheVersion: every plugin manifest's version is
// String().
func TestManifestsCarryTheVersion(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	manifests, err := filepath.Glob(filepath.Join(root, "plugins", "*", "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifests = append(manifests, filepath.Join(root, "plugin.yaml"))
	if len(manifests) != 4 {
		t.Fatalf("want plugin.yaml and 3 manifests under plugins/, got %v", manifests)
	}
	for _, p := range manifests {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Version string `yaml:"version"`
		}
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if m.Version != String() {
			t.Errorf("%s: version %q, internal/foundation/version/VERSION says %q", p, m.Version, String())
		}
	}
}

// TestDocsCarryTheVersion: the documents that pin a release name it.
func TestDocsCarryTheVersion(t *testing.T) {
	re := regexp.MustCompile(`HELM_SECRETS_VERSION\s*(?:=|\n\s*value:)\s*"?([0-9][0-9.]*)`)
	for _, p := range []string{"docs/argo-cd.md", "docs/install.md", "README.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", p))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			if string(m[1]) != String() {
				t.Errorf("%s: HELM_SECRETS_VERSION %s, want %s", p, m[1], String())
			}
		}
	}
}
