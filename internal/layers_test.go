// The layer map of docs/design.md ("Packages") is the architecture: this
// test holds the code to it. Every package of the module is listed there
// once, lowest layer first, and imports only packages listed before it;
// the public packages (pkg/...) reach into internal/ only below the engine.
package internal_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/helm-secrets/helm-secrets/"

// row matches a row of the package table: | `path` | layer | job |.
var row = regexp.MustCompile("^\\| `([a-z0-9/_-]+)` \\| ([A-Za-z ]+) \\| (.+) \\|$")

// layerMap reads the package table of docs/design.md, in order.
func layerMap(t *testing.T) (order []string, layer map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "design.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := bytes.Cut(b, []byte("\n## Packages\n"))
	if !ok {
		t.Fatal(`docs/design.md has no "## Packages" section`)
	}
	if i := bytes.Index(section, []byte("\n## ")); i >= 0 {
		section = section[:i]
	}
	layer = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(section))
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if _, dup := layer[m[1]]; dup {
			t.Errorf("docs/design.md lists %s twice", m[1])
		}
		order = append(order, m[1])
		layer[m[1]] = m[2]
	}
	if len(order) < 10 {
		t.Fatalf("docs/design.md's package table has %d rows", len(order))
	}
	return order, layer
}

// packages returns the module's packages (but the end-to-end tests and
// examples) with the module packages each imports.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	readSources(t)
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		p := strings.TrimPrefix(f[0], module)
		if p == "internal" || p == "e2e" || strings.HasPrefix(p, "examples/") || strings.Contains(p, "/testdata/") {
			continue
		}
		var imps []string
		for _, i := range f[1:] {
			if strings.HasPrefix(i, module) {
				imps = append(imps, strings.TrimPrefix(i, module))
			}
		}
		pkgs[p] = imps
	}
	return pkgs
}

// readSources reads every Go file of the module, so that go test's result
// cache (which hashes the files a test opens) is invalidated by any change
// of a package or its imports, which go list reports.
func readSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			_, err = os.ReadFile(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLayerMapListsEveryPackage(t *testing.T) {
	order, _ := layerMap(t)
	pkgs := packages(t)
	for p := range pkgs {
		if !slices.Contains(order, p) {
			t.Errorf("%s is not in docs/design.md's package table: add a row (in layer order) saying its one job", p)
		}
	}
	for _, p := range order {
		if _, ok := pkgs[p]; !ok {
			t.Errorf("docs/design.md lists %s, which is not a package", p)
		}
	}
}

func TestNoPackageImportsUpward(t *testing.T) {
	order, _ := layerMap(t)
	pos := map[string]int{}
	for i, p := range order {
		pos[p] = i
	}
	for p, imps := range packages(t) {
		for _, i := range imps {
			if pi, ok := pos[p]; ok && pos[i] >= pi {
				t.Errorf("%s imports %s, which docs/design.md's layer map puts at or above it", p, i)
			}
		}
	}
}

// TestPublicPackagesPointDown: pkg/... may use internal packages only
// below the engine (those that do not themselves reach pkg/encrypt), so
// the arrows between pkg/ and internal/ point one way.
func TestPublicPackagesPointDown(t *testing.T) {
	pkgs := packages(t)
	var reaches func(p string, seen map[string]bool) bool
	reaches = func(p string, seen map[string]bool) bool {
		if p == "pkg/encrypt" {
			return true
		}
		if seen[p] {
			return false
		}
		seen[p] = true
		for _, i := range pkgs[p] {
			if reaches(i, seen) {
				return true
			}
		}
		return false
	}
	for p, imps := range pkgs {
		if !strings.HasPrefix(p, "pkg/") {
			continue
		}
		for _, i := range imps {
			if strings.HasPrefix(i, "internal/") && reaches(i, map[string]bool{}) {
				t.Errorf("%s imports %s, an internal package above the engine: move the shared code under pkg/ or below the engine", p, i)
			}
		}
	}
}
