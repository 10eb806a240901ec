package sopslite

import (
	"os"
	"path/filepath"
	"testing"
)

// TestConfigFileForSymlinkedWorkingDir: from a working directory reached
// through a symlink ($PWD the link), the fallback walk goes up the
// physical parents, as sops' "." / ".." walk does.
func TestConfigFileForSymlinkedWorkingDir(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "real", "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(root, "real", ".sops.yaml")
	if err := os.WriteFile(conf, []byte("creation_rules: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "other", "link")
	if err := os.Symlink(sub, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(link)
	t.Setenv("PWD", link)
	// A file in a directory no .sops.yaml is above (the root's own aside).
	file := filepath.Join(root, "other", "x.yaml")
	if got := ConfigFileFor(file); got != conf {
		t.Fatalf("ConfigFileFor = %q, want %q", got, conf)
	}
}
