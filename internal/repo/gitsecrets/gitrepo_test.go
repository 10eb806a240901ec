package gitsecrets

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// repo is a real git repository in a temp dir whose merge and diff
// drivers are this test binary (TestMain).
type repo struct {
	t   *testing.T
	dir string
	tmp string // TMPDIR of git and the drivers
	key *age.X25519Identity
	eng *encrypt.Engine
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	testenv.Tool(t, "GIT_BIN", "git")
	testenv.Isolate(t)
	key := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY", key.String())
	t.Setenv("GITSECRETS_TEST_MAIN", "1")
	base := t.TempDir()
	r := &repo{t: t, dir: filepath.Join(base, "repo"), tmp: filepath.Join(base, "tmp"), key: key, eng: encrypt.New(encrypt.Options{})}
	for _, d := range []string{r.dir, r.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("TMPDIR", r.tmp)
	for k, v := range map[string]string{
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
		"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_EDITOR": "true",
	} {
		t.Setenv(k, v)
	}
	r.git("init", "-q", "-b", "main")
	testenv.WriteFile(t, r.dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets.*\\.(yaml|json|env|ini)$\n    age: "+key.Recipient().String()+"\n")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RunSetup(context.Background(), SetupOptions{Dir: r.dir, Command: "'" + exe + "'", Patterns: []string{"secrets*.yaml", "secrets*.json", "secrets*.env", "secrets*.ini"}, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	r.git("add", ".")
	r.git("commit", "-q", "-m", "setup")
	return r
}

// git runs git in the repo and fails the test on an error.
func (r *repo) git(args ...string) string {
	r.t.Helper()
	out, code := r.gitCode(args...)
	if code != 0 {
		r.t.Fatalf("git %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// gitCode runs git and returns its combined output and exit code.
func (r *repo) gitCode(args ...string) (string, int) {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		r.t.Fatal(err)
	}
	return string(out), 0
}

// encryptTo encrypts plaintext for the repo's .sops.yaml rule and writes it.
func (r *repo) encryptTo(name, plain string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	out, err := r.eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Path: p})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, out, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// edit changes an encrypted file the way helm secrets edit does (same
// data key, unchanged values keep their ciphertext).
func (r *repo) edit(name string, fn func(string) string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	out, _, err := r.eng.EditFile(context.Background(), p, func(b []byte) ([]byte, error) { return []byte(fn(string(b))), nil })
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, out, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) commitAll(msg string) {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

func (r *repo) read(name string) []byte {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// sopsDecrypt decrypts a work tree file with the real sops CLI.
func (r *repo) sopsDecrypt(name string) string {
	r.t.Helper()
	sops := testenv.Tool(r.t, "SOPS_BIN", "sops")
	cmd := exec.Command(sops, "-d", filepath.Join(r.dir, name))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("sops -d %s: %v\n%s", name, err, stderr.String())
	}
	return string(out)
}

// assertNoPlaintext fails when any canary appears in the work tree, in
// .git (raw files, and every object decompressed) or in TMPDIR.
func (r *repo) assertNoPlaintext(canaries ...string) {
	r.t.Helper()
	check := func(where string, data []byte) {
		for _, c := range canaries {
			if bytes.Contains(data, []byte(c)) {
				r.t.Errorf("plaintext %q found in %s", c, where)
			}
		}
	}
	for _, dir := range []string{r.dir, r.tmp} {
		for _, f := range testenv.RegularFiles(dir) {
			b, err := os.ReadFile(f)
			if err != nil {
				r.t.Fatal(err)
			}
			check(f, b)
		}
	}
	cmd := exec.Command("git", "cat-file", "--batch-all-objects", "--batch", "--unordered")
	cmd.Dir = r.dir
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatal(err)
	}
	check("a git object", out)
	if len(out) == 0 {
		r.t.Fatal("no git objects read")
	}
}
