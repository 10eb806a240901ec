// Package testenv gives tests an isolated key environment and the paths of
// the real tools (sops, age, gpg, helm v3/v4) installed by
// scripts/test-deps.sh.
package testenv

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

var keep = map[string]bool{"HELM_SECRETS_REQUIRE_TOOLS": true, "HELM_SECRETS_CACHE": true}

// Isolate clears every variable through which sops, gpg or Google client
// libraries find keys or endpoints, and points HOME and XDG dirs at a fresh
// temp dir, for the duration of the test. It returns the new HOME.
func Isolate(t testing.TB) string {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if keep[name] || strings.HasSuffix(name, "_BIN") {
			continue // tool locations, not keys
		}
		for _, p := range []string{"SOPS_", "GOOGLE_", "GNUPGHOME", "AWS_", "VAULT_", "AZURE_", "HELM_SECRETS_", "XDG_"} {
			if strings.HasPrefix(name, p) {
				t.Setenv(name, "")
				os.Unsetenv(name)
			}
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	return home
}

// AgeKey makes a fresh X25519 age identity.
func AgeKey(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Required reports whether missing tools must fail the test instead of
// skipping it (the project's test script sets HELM_SECRETS_REQUIRE_TOOLS=1,
// so CI never skips silently).
func Required() bool { return os.Getenv("HELM_SECRETS_REQUIRE_TOOLS") == "1" }

// Tool returns the path of a tool: the named environment variable (as
// exported by scripts/test-deps.sh), else the PATH. Missing tools skip the
// test, or fail it under HELM_SECRETS_REQUIRE_TOOLS=1.
func Tool(t testing.TB, envVar, name string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if Required() {
		t.Fatalf("%s not found (set %s or run scripts/test-deps.sh)", name, envVar)
	}
	t.Skipf("%s not found (set %s or run scripts/test-deps.sh)", name, envVar)
	return ""
}

// WriteFile writes a file under dir and returns its path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// RegularFiles lists the regular files below dir.
func RegularFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// repoRoot is the module's root folder, found when the test binary starts
// (in its package's folder, before any test changes directory).
var repoRoot, repoRootErr = findRepoRoot()

// findRepoRoot walks up from the working directory to the go.mod of this
// module. (Source file names are no help: the test suite builds with
// -trimpath, so runtime.Caller names files by import path.)
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module github.com/helm-secrets/helm-secrets\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of github.com/helm-secrets/helm-secrets above the working directory")
		}
		dir = parent
	}
}

// RepoRoot returns the module's root folder (the one holding go.mod). It
// panics when the test binary did not start inside the module.
func RepoRoot() string {
	if repoRootErr != nil {
		panic("testenv.RepoRoot: " + repoRootErr.Error())
	}
	return repoRoot
}
