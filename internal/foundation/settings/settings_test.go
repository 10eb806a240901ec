package settings

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestFromEnviron(t *testing.T) {
	s := FromEnviron([]string{
		"HELM_SECRETS_BACKEND=vals", "HELM_SECRETS_ALLOWED_BACKENDS= sops, vals ,",
		"HELM_SECRETS_STRICT=true", "HELM_SECRETS_ALLOW_GPG_IMPORT=yes",
		"HELM_SECRETS_VALUES_ALLOW_SYMLINKS=false", "HELM_SECRETS_LOAD_GPG_KEYS=a b",
		"ARGOCD_APP_NAME=app",
	})
	if s.Backend != "vals" || !slices.Equal(s.AllowedBackends, []string{"sops", "vals"}) || !s.Strict {
		t.Errorf("backend settings: %+v", s)
	}
	if !s.DenyGPGImport || s.DenyAgeImport {
		t.Errorf("imports: only exactly \"true\" (or unset) allows: %+v", s)
	}
	if !s.ValuesDenySymlinks || s.ValuesDenyAbsolute {
		t.Errorf("path policy: only exactly \"false\" restricts: %+v", s)
	}
	if !slices.Equal(s.LoadGPGKeys, []string{"a", "b"}) {
		t.Errorf("LoadGPGKeys = %q", s.LoadGPGKeys)
	}
	if !s.Quiet || !s.ArgoCD {
		t.Errorf("inside Argo CD, quiet unless HELM_SECRETS_QUIET=false: %+v", s)
	}
	for env, want := range map[string]bool{
		"":                        false,
		"HELM_SECRETS_QUIET=true": true,
		"HELM_SECRETS_QUIET=1":    true,
		"ARGOCD_APP_NAME=":        true,
	} {
		if got := FromEnviron([]string{env}).Quiet; got != want {
			t.Errorf("Quiet with %q = %v, want %v", env, got, want)
		}
	}
	if FromEnviron([]string{"ARGOCD_APP_NAME=x", "HELM_SECRETS_QUIET=false"}).Quiet {
		t.Error("HELM_SECRETS_QUIET=false must win inside Argo CD")
	}
	for env, want := range map[string]bool{
		"HELM_SECRETS_DEBUG=1": true, "HELM_SECRETS_DEBUG=false": false, "HELM_DEBUG=true": true,
		"HELM_DEBUG=0": false, "HELM_SECRETS_DEBUG=0": false,
	} {
		if got := FromEnviron([]string{env}).Debug; got != want {
			t.Errorf("Debug with %q = %v, want %v", env, got, want)
		}
	}
	if FromEnviron([]string{"HELM_SECRETS_LOAD_GPG_KEYS=false"}).LoadGPGKeys != nil {
		t.Error("LOAD_GPG_KEYS=false means none")
	}
}

// testSupport are folders whose own HELM_SECRETS_* names are test knobs
// (HELM_SECRETS_REQUIRE_TOOLS, HELM_SECRETS_CACHE), not plugin settings.
var testSupport = []string{"e2e", filepath.Join("internal", "testsupport")}

var varName = regexp.MustCompile(`^HELM_SECRETS_[A-Z0-9_]+$`)

// TestOnlyReader fails when a file outside this package names one of our
// variables as a string of its own (a bare "HELM_SECRETS_X", the shape
// of an os.Getenv argument) or reads one of this package's Env* names
// from the environment: the settings are read here, once, and taken from
// Settings everywhere else.
func TestOnlyReader(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	self, _ := filepath.Abs(".")
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path == self || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != root || slices.Contains(testSupport, rel) || rel == filepath.Join("scripts", "cluster") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil && varName.MatchString(s) {
						t.Errorf("%s: names %s itself; use settings.Env… and settings.Load() (internal/foundation/settings is the one reader)", fset.Position(n.Pos()), s)
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) == 0 {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "os" || (sel.Sel.Name != "Getenv" && sel.Sel.Name != "LookupEnv") {
					return true
				}
				if arg, ok := n.Args[0].(*ast.SelectorExpr); ok {
					if x, ok := arg.X.(*ast.Ident); ok && x.Name == "settings" {
						t.Errorf("%s: os.%s(settings.%s): read it from settings.Load()", fset.Position(n.Pos()), sel.Sel.Name, arg.Sel.Name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("scanned only %d files; is the walk broken?", files)
	}
}

// TestVarsNamed keeps Vars and the Env* constants one list: every
// constant declared in settings.go has an entry.
func TestVarsNamed(t *testing.T) {
	b, err := os.ReadFile("settings.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := regexp.MustCompile(`(?m)^\t(Env\w+)\s+= "(HELM_SECRETS_\w+)"`).FindAllStringSubmatch(string(b), -1)
	if len(consts) < 30 {
		t.Fatalf("found only %d constants", len(consts))
	}
	for _, c := range consts {
		if !slices.ContainsFunc(Vars, func(v Var) bool { return v.Name == c[2] }) {
			t.Errorf("%s (%s) has no entry in Vars", c[1], c[2])
		}
	}
}
