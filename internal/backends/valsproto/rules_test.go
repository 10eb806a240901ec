package valsproto

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// TestFileRule: ref+file:// under the default policy reads a regular file
// inside the working directory only: no "..", no symlink out of it, no
// hidden element, no key file, nothing when the working directory is the
// home directory or the root.
func TestFileRule(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	home := filepath.Join(base, "home")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "sub"), filepath.Join(root, ".git"), filepath.Join(home, ".config", "sops", "age"), outside, filepath.Join(base, "gnupg")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string) {
		if err := os.WriteFile(p, []byte("k: v\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "values.yaml"))
	write(filepath.Join(root, "sub", "v.yaml"))
	write(filepath.Join(root, ".env"))
	write(filepath.Join(root, ".git", "config"))
	write(filepath.Join(outside, "secret.txt"))
	ageKey := filepath.Join(root, "keys.txt") // SOPS_AGE_KEY_FILE inside the tree
	write(ageKey)
	write(filepath.Join(base, "gnupg", "k"))
	link := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
	}
	link(filepath.Join(outside, "secret.txt"), "escape.yaml")
	link("../outside", "escdir")
	link("sub/v.yaml", "inner.yaml")
	link(filepath.Join(base, "gnupg"), "gpg")
	link(".env", "env.yaml")

	env := map[string]string{"SOPS_AGE_KEY_FILE": ageKey, "GNUPGHOME": filepath.Join(base, "gnupg")}
	r := FileRule{Root: root, Home: home, Deny: KeyPaths(func(k string) string { return env[k] }, home)}
	for _, c := range []struct {
		name, refused string // "" means allowed
	}{
		{"values.yaml", ""},
		{"./values.yaml", ""},
		{"sub/v.yaml", ""},
		{"sub/v.yaml/", ""},
		{filepath.Join(root, "values.yaml"), ""},
		{"inner.yaml", ""},
		{"../outside/secret.txt", `may not use ".."`},
		{"sub/../values.yaml", `may not use ".."`},
		{filepath.Join(outside, "secret.txt"), "is outside it"},
		{"/etc/passwd", "is outside it"},
		{"escape.yaml", "is outside it"},
		{"escdir/secret.txt", "is outside it"},
		{".env", "hidden"},
		{".git/config", "hidden"},
		{"env.yaml", "hidden"},
		{"keys.txt", "never reads a key file"},
		{"gpg/k", "is outside it"},
		{"missing.yaml", "does not exist"},
		{"sub", "not a regular file"},
	} {
		err := r.Check(c.name)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.refused)
		case c.refused != "" && c.refused != "does not exist" && c.refused != "not a regular file" && !strings.Contains(err.Error(), `list "file" in HELM_SECRETS_VALS_PROVIDERS`):
			t.Errorf("%s: %v does not say how to allow it", c.name, err)
		}
	}
	// GNUPGHOME inside the working directory is still refused.
	r2 := FileRule{Root: base, Home: home, Deny: r.Deny}
	if err := r2.Check("gnupg/k"); err == nil || !strings.Contains(err.Error(), "never reads a key file") {
		t.Errorf("GNUPGHOME: %v", err)
	}
	// The age key folder under the home directory, with the working
	// directory above it.
	write(filepath.Join(home, ".config", "sops", "age", "keys.txt"))
	if err := (FileRule{Root: base, Deny: r.Deny}).Check("home/.config/sops/age/keys.txt"); err == nil {
		t.Error("the age key file was allowed")
	}
	for _, wd := range []string{home, string(filepath.Separator)} {
		if err := (FileRule{Root: wd, Home: home}).Check("x"); err == nil || !strings.Contains(err.Error(), "file system root or your home directory") {
			t.Errorf("working directory %s: %v", wd, err)
		}
	}
}

func TestEnvsubstRule(t *testing.T) {
	for in, want := range map[string][]string{
		"$HELM_NAMESPACE":          {"HELM_NAMESPACE"},
		"x-${ARGOCD_APP_NAME}-y":   {"ARGOCD_APP_NAME"},
		"${A:-$B}":                 {"A", "B"},
		"${A:-${B}}":               {"A", "B"},
		"${-C}":                    {"C"},
		"${A:-default}":            {"A", "default"},
		"$$X":                      {"X"},
		"plain":                    nil,
		"$AWS_SECRET_ACCESS_KEY/x": {"AWS_SECRET_ACCESS_KEY"},
		"a$Ü1 b":                   {"Ü1"},
	} {
		got := EnvsubstVars(in)
		if !slices.Equal(got, want) {
			t.Errorf("EnvsubstVars(%q) = %q, want %q", in, got, want)
		}
	}
	r := NewEnvsubstRule(settings.FromEnviron([]string{EnvEnvsubstAllow + "= MY_VAR ,OTHER"}).ValsEnvsubstAllow)
	for in, refused := range map[string]string{
		"$HELM_NAMESPACE":        "",
		"$MY_VAR-$OTHER":         "",
		"$AWS_SECRET_ACCESS_KEY": "not AWS_SECRET_ACCESS_KEY; to allow it, add it to HELM_SECRETS_VALS_ENVSUBST_ALLOW",
		"${VAULT_TOKEN}":         "not VAULT_TOKEN",
		"${MY_VAR:-$HOME}":       "not HOME",
	} {
		err := r.Check(in)
		if refused == "" && err != nil || refused != "" && (err == nil || !strings.Contains(err.Error(), refused)) {
			t.Errorf("Check(%q) = %v, want %q", in, err, refused)
		}
	}
	env := r.Environ(func(k string) (string, bool) {
		if k == "MY_VAR" {
			return "m", true
		}
		return "", false
	})
	if !slices.Equal(env, []string{"MY_VAR=m"}) {
		t.Errorf("Environ = %q", env)
	}
}
