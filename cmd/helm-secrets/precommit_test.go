package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestPreCommitHooks runs the repository's .pre-commit-hooks.yaml with the
// real pre-commit tool, from a git clone of a repository holding it, on a
// user repository: `pre-commit run --all-files` fails on a plaintext file
// .sops.yaml says must be encrypted and passes once it is encrypted. Both
// hooks run: helm-secrets-check (real helm 3 with this plugin from
// HELM_PLUGINS) and helm-secrets-check-binary (helm-secrets on the PATH).
func TestPreCommitHooks(t *testing.T) {
	preCommit := testenv.Tool(t, "PRE_COMMIT_BIN", "pre-commit")
	git := testenv.Tool(t, "GIT_BIN", "git")
	helm := testenv.Tool(t, "HELM3_BIN", "helm")
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH: %v", err)
	}
	testenv.Isolate(t)
	tmp := t.TempDir()
	gitEnv := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+tmp)
	runIn := func(dir string, env []string, name string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(dir, name string, args ...string) string {
		t.Helper()
		out, err := runIn(dir, gitEnv, name, args...)
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return out
	}

	// The hook repository: our .pre-commit-hooks.yaml, committed.
	hooks := filepath.Join(tmp, "hooks")
	manifest, err := os.ReadFile(filepath.Join("..", "..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, hooks, ".pre-commit-hooks.yaml", string(manifest))
	must(hooks, git, "init", "-q", ".")
	must(hooks, git, "add", "-A")
	must(hooks, git, "commit", "-q", "-m", "hooks")
	rev := strings.TrimSpace(must(hooks, git, "rev-parse", "HEAD"))

	// helm with this plugin: plugin.yaml and its binaries.
	plugins := filepath.Join(tmp, "plugins")
	pluginYAML, err := os.ReadFile(filepath.Join("..", "..", "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, plugins, "secrets/plugin.yaml", string(pluginYAML))
	if err := os.MkdirAll(filepath.Join(plugins, "secrets", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The manifest runs bin/helm-secrets-wrapper; the full binary serves
	// as it, as the install hook arranges without the lean one.
	for _, name := range []string{"helm-secrets", "helm-secrets-wrapper"} {
		if err := os.Symlink(bin, filepath.Join(plugins, "secrets", "bin", name)); err != nil {
			t.Fatal(err)
		}
	}

	// The user's repository.
	repo := filepath.Join(tmp, "repo")
	id := testenv.AgeKey(t)
	keyFile := testenv.WriteFile(t, tmp, "key.txt", id.String()+"\n")
	testenv.WriteFile(t, repo, ".sops.yaml", "creation_rules:\n  - path_regex: secrets.*\\.yaml$\n    age: "+id.Recipient().String()+"\n")
	testenv.WriteFile(t, repo, ".pre-commit-config.yaml", "repos:\n  - repo: "+hooks+"\n    rev: "+rev+
		"\n    hooks:\n      - id: helm-secrets-check\n      - id: helm-secrets-check-binary\n")
	testenv.WriteFile(t, repo, "values.yaml", "replicas: 2\n")
	testenv.WriteFile(t, repo, "secrets.yaml", "password: hunter2\n")
	must(repo, git, "init", "-q", ".")
	must(repo, git, "add", "-A")

	path := filepath.Dir(helm) + string(os.PathListSeparator) + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")
	env := append(gitEnv, "PATH="+path, "HELM_PLUGINS="+plugins, "PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-cache"),
		"SOPS_AGE_KEY_FILE="+keyFile, "HELM_CONFIG_HOME="+filepath.Join(tmp, "helm"), "HELM_CACHE_HOME="+filepath.Join(tmp, "helm-cache"))
	out, err := runIn(repo, env, preCommit, "run", "--all-files")
	if err == nil {
		t.Fatalf("pre-commit passed on a plaintext secrets.yaml:\n%s", out)
	}
	t.Logf("pre-commit on the bad repository:\n%s", out)
	for _, want := range []string{"helm secrets check", "helm-secrets check", "not-encrypted", "secrets.yaml"} {
		if !strings.Contains(out, want) {
			t.Errorf("pre-commit output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Failed") != 2 {
		t.Errorf("want both hooks failed:\n%s", out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("the plaintext secret is in pre-commit's output:\n%s", out)
	}

	// Encrypted: both hooks pass.
	if out, err := runIn(repo, env, bin, "encrypt", "-i", "secrets.yaml"); err != nil {
		t.Fatalf("encrypt: %v\n%s", err, out)
	}
	must(repo, git, "add", "-A")
	if out, err = runIn(repo, env, preCommit, "run", "--all-files"); err != nil {
		t.Fatalf("pre-commit failed on a clean repository: %v\n%s", err, out)
	}
	if strings.Count(out, "Passed") != 2 {
		t.Errorf("want both hooks passed:\n%s", out)
	}
}
