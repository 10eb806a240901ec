package pathpolicy

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestStringChecks is the portable table: the same answers on every OS,
// for Unix and Windows forms alike.
func TestStringChecks(t *testing.T) {
	for _, c := range []struct {
		path                string
		absolute, traversal bool
	}{
		{"values.yaml", false, false},
		{"dir/values.yaml", false, false},
		{`dir\values.yaml`, false, false},
		{"./values.yaml", false, false},
		{"a..b/values.yaml", false, false},
		{"/etc/passwd", true, false},
		{`\etc\passwd`, true, false},
		{"C:", true, false},
		{`C:\Windows\win.ini`, true, false},
		{"C:values.yaml", true, false},
		{"c:/x", true, false},
		{`\\server\share\v.yaml`, true, false},
		{`\\?\C:\v.yaml`, true, false},
		{`\\.\pipe\x`, true, false},
		{"//?/C:/v.yaml", true, false},
		{"..", false, true},
		{"../v.yaml", false, true},
		{"a/../v.yaml", false, true},
		{"a/..", false, true},
		{`a\..`, false, true},
		{`..\v.yaml`, false, true},
		{`a\..\..\v.yaml`, false, true},
		{`\\?\C:\x\..`, true, true},
		{`C:\x\..\..\secret`, true, true},
		{"a/./../b", false, true},
		{"a//..//b", false, true},
	} {
		if got := IsAbsolute(c.path); got != c.absolute {
			t.Errorf("IsAbsolute(%q) = %v, want %v", c.path, got, c.absolute)
		}
		if got := HasTraversal(c.path); got != c.traversal {
			t.Errorf("HasTraversal(%q) = %v, want %v", c.path, got, c.traversal)
		}
		p := Policy{DenyAbsolute: true, DenyTraversal: true}
		if err := p.Check(c.path); (err != nil) != (c.absolute || c.traversal) {
			t.Errorf("Check(%q) = %v", c.path, err)
		}
	}
}

// tree makes, in a fresh working directory:
//
//	dir/values.yaml, other/secret.yaml, outside/secret.yaml
//	link.yaml -> dir/values.yaml, linkdir -> other, rootlink -> /
func tree(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows; pathpolicy_windows_test.go covers the string forms")
	}
	d := t.TempDir()
	for _, f := range []string{"dir/values.yaml", "other/secret.yaml", "outside/secret.yaml"} {
		p := filepath.Join(d, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("a: b\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"link.yaml": "dir/values.yaml", "linkdir": "other", "rootlink": "/", "dir/up": ".."} {
		if err := os.Symlink(target, filepath.Join(d, link)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(d)
	return d
}

// TestSymlinkEveryComponent: HELM_SECRETS_VALUES_ALLOW_SYMLINKS=false
// refuses a symlink anywhere along the path, not only the last component
// (before: `linkdir/secret.yaml` and `rootlink/etc/passwd` passed).
func TestSymlinkEveryComponent(t *testing.T) {
	d := tree(t)
	p := Policy{DenySymlinks: true}
	for _, c := range []struct {
		path, want string // want: "" allowed, else the refusal's text
	}{
		{"dir/values.yaml", ""},
		{"./dir/values.yaml", ""},
		{"dir/../dir/values.yaml", ""},
		{filepath.Join(d, "dir", "values.yaml"), ""},
		{"missing/values.yaml", ""},
		{"link.yaml", "Values file 'link.yaml' is a symlink. Symlinks are not allowed."},
		{"linkdir/secret.yaml", "Values file 'linkdir/secret.yaml' goes through the symlink 'linkdir'. Symlinks are not allowed."},
		{"linkdir/", "Values file 'linkdir/' is a symlink. Symlinks are not allowed."},
		{"rootlink/etc/passwd", "Values file 'rootlink/etc/passwd' goes through the symlink 'rootlink'. Symlinks are not allowed."},
		{"dir/up/outside/secret.yaml", "Values file 'dir/up/outside/secret.yaml' goes through the symlink 'dir/up'. Symlinks are not allowed."},
		{"linkdir/../dir/values.yaml", "goes through the symlink 'linkdir'"},
		{filepath.Join(d, "linkdir", "secret.yaml"), "goes through the symlink '" + filepath.Join(d, "linkdir") + "'"},
	} {
		err := p.Check(c.path)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want allowed", c.path, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("Check(%q) = %v, want %q", c.path, err, c.want)
		}
	}
}

// TestRefusalRevealsNothing: behind a symlink, an existing and a missing
// file get the same message, so the policy is no oracle for other files.
func TestRefusalRevealsNothing(t *testing.T) {
	tree(t)
	p := Policy{DenySymlinks: true}
	a, b := p.Check("rootlink/etc/passwd"), p.Check("rootlink/etc/no-such-file-here")
	if a == nil || b == nil {
		t.Fatalf("not refused: %v, %v", a, b)
	}
	strip := func(s string) string { return strings.NewReplacer("passwd", "X", "no-such-file-here", "X").Replace(s) }
	if strip(a.Error()) != strip(b.Error()) {
		t.Fatalf("messages differ:\n%v\n%v", a, b)
	}
}

// TestWithinPrefix: HELM_SECRETS_KEY_LOCATION_PREFIX is compared on
// cleaned, resolved paths, component-wise (before: a string prefix, so
// `/allowed/../keys/key.txt` passed).
func TestWithinPrefix(t *testing.T) {
	d := tree(t)
	allowed := filepath.Join(d, "dir")
	for _, c := range []struct {
		prefix, path string
		want         bool
	}{
		{"", "/anything", true},
		{allowed, filepath.Join(allowed, "values.yaml"), true},
		{allowed + "/", filepath.Join(allowed, "values.yaml"), true},
		{allowed, filepath.Join(allowed, "missing.key"), true},
		{allowed, allowed, true},
		{"dir", "dir/values.yaml", true},
		{"./dir/", "dir/values.yaml", true},
		{allowed, allowed + "/../other/secret.yaml", false},
		{allowed + "/", allowed + "/../other/secret.yaml", false},
		{allowed, allowed + "/../other/missing.key", false},
		{allowed, allowed + "X/values.yaml", false},
		{allowed, filepath.Join(allowed, "up", "outside", "secret.yaml"), false},
		{allowed, "other/secret.yaml", false},
		{filepath.Join(d, "linkdir"), filepath.Join(d, "other", "secret.yaml"), true},
		{d, filepath.Join(d, "rootlink", "etc", "passwd"), false},
		{d, d + "/linkdir/../dir/values.yaml", true},
		{allowed, allowed + "/up/../dir/values.yaml", false}, // lexically inside; dir/up -> d, so really ../dir
		{filepath.Join(d, "other"), d + "/dir/up/other/secret.yaml", true},
	} {
		if got := WithinPrefix(c.prefix, c.path); got != c.want {
			t.Errorf("WithinPrefix(%q, %q) = %v, want %v", c.prefix, c.path, got, c.want)
		}
	}
}

// TestUnder is the component-wise comparison on cleaned paths.
func TestUnder(t *testing.T) {
	sep := string(filepath.Separator)
	for _, c := range []struct {
		dir, f string
		want   bool
	}{
		{sep + "a", sep + "a", true},
		{sep + "a", filepath.Join(sep+"a", "b"), true},
		{sep + "a", sep + "ab", false},
		{sep + "a", sep, false},
		{filepath.Join(sep+"a", "b"), sep + "a", false},
		{sep + "a", filepath.Join(sep+"a", "..b"), true},
	} {
		if got := Under(c.dir, c.f); got != c.want {
			t.Errorf("Under(%q, %q) = %v, want %v", c.dir, c.f, got, c.want)
		}
	}
}

// TestLeavesTree: a symlink in the tree to a file (or folder) outside it
// leaves the tree; a link within the tree, a plain file and a path written
// outside the tree do not.
func TestLeavesTree(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	base := t.TempDir()
	tree, outside := filepath.Join(base, "repo"), filepath.Join(base, "home")
	for _, d := range []string{filepath.Join(tree, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(tree, "sub", "in.yaml"), filepath.Join(outside, "prod.yaml")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"out.yaml": filepath.Join(outside, "prod.yaml"), "rel-out.yaml": "../home/prod.yaml",
		"outdir": outside, "in-link.yaml": "sub/in.yaml",
	} {
		if err := os.Symlink(target, filepath.Join(tree, link)); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]bool{
		filepath.Join(tree, "out.yaml"):              true,
		filepath.Join(tree, "rel-out.yaml"):          true,
		filepath.Join(tree, "outdir", "prod.yaml"):   true,
		filepath.Join(tree, "in-link.yaml"):          false,
		filepath.Join(tree, "sub", "in.yaml"):        false,
		filepath.Join(outside, "prod.yaml"):          false, // named outside: the user's choice
		filepath.Join(tree, "missing.yaml"):          false,
		filepath.Join(tree, "outdir", "missing.yml"): true,
	} {
		if got := LeavesTree(tree, path); got != want {
			t.Errorf("LeavesTree(%s) = %v, want %v", path, got, want)
		}
	}
}
