package gitsecrets

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// diff-keys prints exactly the changed key paths and never a value, for
// two commits and for a commit and the work tree; without the key it
// compares ciphertexts and says so.
func TestDiffKeys(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", "a: canary-a\nb:\n    c: canary-c\n    d: canary-d\nlist:\n    - canary-l0\n    - canary-l1\nsame: canary-same\n")
	r.encryptTo("secrets.json", `{"x": "canary-x"}`)
	testenv.WriteFile(t, r.dir, "plain.yaml", "p: 1\n")
	r.commitAll("base")
	r.edit("secrets.yaml", func(s string) string {
		s = strings.Replace(s, "canary-a", "canary-a2", 1)
		s = strings.Replace(s, "    d: canary-d\n", "", 1)
		s = strings.Replace(s, "canary-l1", "canary-l1b", 1)
		return s + "new: canary-new\n"
	})
	testenv.WriteFile(t, r.dir, "plain.yaml", "p: 2\n")
	r.commitAll("change")
	canaries := []string{"canary", "ENC["}
	run := func(o DiffKeysOptions) string {
		t.Helper()
		var out bytes.Buffer
		o.Engine, o.Dir, o.Stdout = r.eng, r.dir, &out
		if err := RunDiffKeys(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		for _, c := range canaries {
			if strings.Contains(out.String(), c) {
				t.Errorf("diff-keys printed %q:\n%s", c, out.String())
			}
		}
		return out.String()
	}
	want := "secrets.yaml\n  ~ a\n  - b.d\n  ~ list[1]\n  + new\n"
	if got := run(DiffKeysOptions{Args: []string{"HEAD~1..HEAD"}}); got != want {
		t.Errorf("diff-keys HEAD~1..HEAD:\n%s\nwant:\n%s", got, want)
	}
	if got := run(DiffKeysOptions{Args: []string{"HEAD~1", "secrets.yaml"}}); got != want {
		t.Errorf("diff-keys HEAD~1 secrets.yaml:\n%s\nwant:\n%s", got, want)
	}
	if got := run(DiffKeysOptions{Args: []string{"HEAD~1..HEAD", "secrets.json"}}); got != "" {
		t.Errorf("an unchanged file is listed:\n%s", got)
	}
	// The work tree against HEAD.
	r.edit("secrets.json", func(s string) string { return strings.Replace(s, "canary-x", "canary-x2", 1) })
	if got := run(DiffKeysOptions{}); got != "secrets.json\n  ~ x\n" {
		t.Errorf("diff-keys (work tree):\n%s", got)
	}
	var js struct {
		Files []FileChanges `json:"files"`
	}
	if err := json.Unmarshal([]byte(run(DiffKeysOptions{JSON: true, Args: []string{"HEAD~1..HEAD"}})), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Files) != 1 || !js.Files[0].Decrypted || len(js.Files[0].Changes) != 4 || js.Files[0].Changes[2] != (KeyChange{"list[1]", "changed"}) {
		t.Errorf("json: %+v", js.Files)
	}

	// Without the key: ciphertexts compared, noted.
	t.Setenv("SOPS_AGE_KEY", testenv.AgeKey(t).String())
	r.eng = encrypt.New(encrypt.Options{})
	got := run(DiffKeysOptions{Args: []string{"HEAD~1..HEAD"}})
	if !strings.HasPrefix(got, "secrets.yaml (not decrypted (no key for it): ciphertexts compared)\n") || !strings.Contains(got, "  ~ a\n") || strings.Contains(got, "same") {
		t.Errorf("diff-keys without the key:\n%s", got)
	}
}

// textconv prints the decrypted text for git diff, and a one-line note
// (exit 0) to someone without the key; git is told not to cache it.
func TestTextconv(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", "a: canary-a\n")
	r.commitAll("base")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-a", "canary-b", 1) })
	out := r.git("diff")
	if !strings.Contains(out, "-a: canary-a\n+a: canary-b\n") {
		t.Errorf("git diff through textconv:\n%s", out)
	}
	if v := strings.TrimSpace(r.git("config", "diff.helm-secrets.cachetextconv")); v != "false" {
		t.Errorf("cachetextconv = %q", v)
	}
	r.commitAll("change")
	r.git("log", "-p") // would fill a cache, were it on
	if out, code := r.gitCode("notes", "--ref=textconv/helm-secrets", "list"); code == 0 && strings.TrimSpace(out) != "" {
		t.Errorf("git cached the textconv output: %s", out)
	}
	r.assertNoPlaintext("canary-a", "canary-b")

	t.Setenv("SOPS_AGE_KEY", testenv.AgeKey(t).String())
	cmd := exec.Command("git", "diff", "HEAD~1", "HEAD")
	cmd.Dir = r.dir
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git diff without the key: %v\n%s", err, got)
	}
	if !strings.Contains(string(got), "# helm-secrets: encrypted yaml file, not decrypted here (no key for it); values not shown; version ") || strings.Contains(string(got), "canary") {
		t.Errorf("git diff without the key:\n%s", got)
	}
}

// setup writes its config and attribute lines once, keeps other lines, and
// takes the patterns from the .sops.yaml rules when it can.
func TestSetupIdempotent(t *testing.T) {
	r := newRepo(t)
	testenv.WriteFile(t, r.dir, ".gitattributes", "*.png binary")
	testenv.WriteFile(t, r.dir, ".sops.yaml", "creation_rules:\n  - path_regex: ^env/.*/secrets\\.yaml$\n    age: x\n  - path_regex: (a|b)\\.yaml\n    age: x\n")
	var out bytes.Buffer
	for i := 0; i < 2; i++ {
		out.Reset()
		if err := RunSetup(context.Background(), SetupOptions{Dir: r.dir, Stdout: &out}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(r.dir + "/.gitattributes")
	if err != nil {
		t.Fatal(err)
	}
	if want := "*.png binary\nenv/*/secrets.yaml merge=helm-secrets diff=helm-secrets\n"; string(data) != want {
		t.Errorf(".gitattributes:\n%s\nwant:\n%s", data, want)
	}
	if !strings.Contains(out.String(), "already set up") || !strings.Contains(out.String(), `"(a|b)\\.yaml" has no git pattern`) {
		t.Errorf("second run said:\n%s", out.String())
	}
	for k, want := range map[string]string{
		"merge.helm-secrets.driver":            "helm secrets merge-driver %O %A %B %P",
		"mergetool.helm-secrets.cmd":           `helm secrets edit "$MERGED"`,
		"mergetool.helm-secrets.trustExitCode": "true",
	} {
		// --get-all: a second run must not have added a second value.
		if v := strings.TrimSpace(r.git("config", "--get-all", k)); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
}

func TestGlobFromRegex(t *testing.T) {
	for re, want := range map[string]string{
		`secrets\.yaml$`:          "*secrets.yaml",
		`.*secrets.*\.yaml$`:      "*secrets*.yaml",
		`^secrets\.yaml$`:         "/secrets.yaml",
		`^env/prod/.*\.yaml$`:     "env/prod/*.yaml",
		`(.*/)?secrets\.ya?ml$`:   "",
		`.*/secrets\.json`:        "secrets.json",
		`secrets/[^/]*\.yaml$`:    "**/secrets/*.yaml",
		`(dev|prod)/secrets.yaml`: "",
		`.*`:                      "",
	} {
		got, ok := GlobFromRegex(re)
		if ok != (want != "") || got != want {
			t.Errorf("GlobFromRegex(%q) = %q, %t; want %q", re, got, ok, want)
		}
	}
}
