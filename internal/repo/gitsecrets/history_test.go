package gitsecrets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// tenKeysDoc is a document with ten keys a branch changes one by one.
func tenKeysDoc() string {
	var b strings.Builder
	b.WriteString("db:\n    password: canary-base-pw\nfeature:\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "    k%d: canary-base-%d\n", i, i)
	}
	return b.String()
}

// A branch with ten commits to one encrypted file (one key each; the last
// one also changes a key an earlier commit changed) is rebased, and
// cherry-picked commit by commit, onto a branch that changed another key:
// both replay without manual steps, every commit through the driver, and
// the result decrypts with the real sops CLI to all the changes.
func TestRebaseAndCherryPickTenCommits(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", tenKeysDoc())
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	for i := 0; i < 10; i++ {
		r.edit("secrets.yaml", func(s string) string {
			s = strings.Replace(s, fmt.Sprintf("canary-base-%d\n", i), fmt.Sprintf("canary-f%d\n", i), 1)
			if i == 9 {
				s = strings.Replace(s, "canary-f0\n", "canary-f0-again\n", 1)
			}
			return s
		})
		r.commitAll(fmt.Sprintf("feature %d", i))
	}
	r.git("branch", "feature-orig")
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-main-pw", 1) })
	r.commitAll("main: password")

	wantFeature := map[string]any{}
	for i := 0; i < 10; i++ {
		wantFeature[fmt.Sprintf("k%d", i)] = fmt.Sprintf("canary-f%d", i)
	}
	wantFeature["k0"] = "canary-f0-again"
	want := map[string]any{"db": map[string]any{"password": "canary-main-pw"}, "feature": wantFeature}
	check := func(what string) {
		t.Helper()
		if n := strings.TrimSpace(r.git("rev-list", "--count", "main..HEAD")); n != "10" {
			t.Errorf("%s: %s commits replayed, want 10", what, n)
		}
		if st := strings.TrimSpace(r.git("status", "--porcelain")); st != "" {
			t.Errorf("%s: work tree not clean:\n%s", what, st)
		}
		if !encrypt.IsEncrypted(r.read("secrets.yaml"), encrypt.FormatYAML) {
			t.Fatalf("%s: the result is not encrypted", what)
		}
		if got := decryptYAML(t, r.sopsDecrypt("secrets.yaml")); !yamlEqual(got, want) {
			t.Errorf("%s: decrypted to %v, want %v", what, got, want)
		}
		// Every replayed commit holds a valid file: its parent's value of
		// the main key is kept (the driver, not "take theirs", ran).
		for i := 0; i < 10; i++ {
			data := r.git("show", fmt.Sprintf("HEAD~%d:secrets.yaml", i))
			plain, err := r.eng.Decrypt(context.Background(), []byte(data), encrypt.FormatYAML)
			if err != nil {
				t.Fatalf("%s: HEAD~%d does not decrypt: %v", what, i, err)
			}
			if !strings.Contains(string(plain), "canary-main-pw") {
				t.Errorf("%s: HEAD~%d lost main's password", what, i)
			}
		}
	}

	r.git("checkout", "-q", "-b", "picked", "main")
	if out, code := r.gitCode("cherry-pick", "main~1..feature-orig"); code != 0 {
		t.Fatalf("cherry-pick: exit %d\n%s", code, out)
	}
	check("cherry-pick")

	r.git("checkout", "-q", "feature")
	if out, code := r.gitCode("rebase", "main"); code != 0 {
		t.Fatalf("rebase: exit %d\n%s", code, out)
	}
	check("rebase")

	// Reverting one of the replayed commits (k4) goes through the driver
	// too, and keeps the later commits' changes.
	if out, code := r.gitCode("revert", "--no-edit", "HEAD~5"); code != 0 {
		t.Fatalf("revert: exit %d\n%s", code, out)
	}
	wantFeature["k4"] = "canary-base-4"
	if got := decryptYAML(t, r.sopsDecrypt("secrets.yaml")); !yamlEqual(got, want) {
		t.Errorf("revert: decrypted to %v, want %v", got, want)
	}
	r.assertNoPlaintext("canary-main-pw", "canary-f0", "canary-f5", "canary-f9", "canary-base-pw")
}

// A rebase that meets a real conflict stops at that commit with the file
// encrypted and both values between markers; resolved with an edit and
// git add, git rebase --continue replays the remaining commits.
func TestRebaseConflictContinue(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-feature-pw", 1) })
	r.commitAll("feature: password")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-token", "canary-feature-token", 1) })
	r.commitAll("feature: token")
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-main-pw", 1) })
	r.commitAll("main: password")
	r.git("checkout", "-q", "feature")

	out, code := r.gitCode("rebase", "main")
	if code == 0 {
		t.Fatalf("rebase went through a conflict:\n%s", out)
	}
	if !strings.Contains(out, "db.password") || strings.Contains(out, "canary") {
		t.Errorf("the driver's message should name db.password and no value:\n%s", out)
	}
	plain, err := r.eng.Decrypt(context.Background(), r.read("secrets.yaml"), encrypt.FormatYAML)
	if err != nil {
		t.Fatalf("the conflicted file does not decrypt: %v", err)
	}
	if !strings.Contains(string(plain), "<<<<<<< ours") || !strings.Contains(string(plain), "canary-main-pw") || !strings.Contains(string(plain), "canary-feature-pw") {
		t.Errorf("the conflicted file holds:\n%s", plain)
	}
	r.edit("secrets.yaml", func(string) string {
		return "db:\n    user: app\n    password: canary-resolved-pw\napi:\n    token: canary-base-token\nport: 5432\n"
	})
	r.git("add", "secrets.yaml")
	if out, code := r.gitCode("rebase", "--continue"); code != 0 {
		t.Fatalf("rebase --continue: exit %d\n%s", code, out)
	}
	got := decryptYAML(t, r.sopsDecrypt("secrets.yaml"))
	want := map[string]any{
		"db":   map[string]any{"user": "app", "password": "canary-resolved-pw"},
		"api":  map[string]any{"token": "canary-feature-token"},
		"port": 5432,
	}
	if !yamlEqual(got, want) {
		t.Fatalf("rebased to %v, want %v", got, want)
	}
	r.assertNoPlaintext("canary-main-pw", "canary-feature-pw", "canary-resolved-pw", "canary-feature-token")
}

// git stash pop of a work tree change to an encrypted file, onto a branch
// that changed another key of it, merges through the driver: exit 0, both
// changes in the file, the stash dropped.
func TestStashPopMerges(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "other")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-other-pw", 1) })
	r.commitAll("other: password")
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-token", "canary-stashed-token", 1) })
	r.git("stash", "push", "-q")
	r.git("checkout", "-q", "other")

	if out, code := r.gitCode("stash", "pop"); code != 0 {
		t.Fatalf("stash pop: exit %d\n%s", code, out)
	}
	if l := strings.TrimSpace(r.git("stash", "list")); l != "" {
		t.Errorf("the stash was not dropped: %s", l)
	}
	got := decryptYAML(t, r.sopsDecrypt("secrets.yaml"))
	want := map[string]any{
		"db":   map[string]any{"user": "app", "password": "canary-other-pw"},
		"api":  map[string]any{"token": "canary-stashed-token"},
		"port": 5432,
	}
	if !yamlEqual(got, want) {
		t.Fatalf("stash pop gave %v, want %v", got, want)
	}
	r.assertNoPlaintext("canary-other-pw", "canary-stashed-token", "canary-base-pw")
}

// diff-keys over a history with a rename (and a value changed in the
// renamed file), added and removed keys and an added and a deleted file:
// exactly the changed key paths, a renamed file as its old path with every
// key removed and its new path with every key added, never a value.
func TestDiffKeysRenameHistory(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", "a: canary-a\nb:\n    c: canary-c\n")
	r.encryptTo("secrets-old.yaml", "x: canary-x\ny:\n    - canary-y0\n")
	r.encryptTo("secrets-gone.yaml", "g: canary-g\n")
	r.commitAll("base")
	r.git("mv", "secrets-old.yaml", "secrets-new.yaml")
	r.commitAll("rename")
	r.edit("secrets-new.yaml", func(s string) string { return strings.Replace(s, "canary-x", "canary-x2", 1) })
	r.edit("secrets.yaml", func(s string) string {
		return strings.Replace(s, "    c: canary-c\n", "    d: canary-d\n", 1) + "e: canary-e\n"
	})
	r.git("rm", "-q", "secrets-gone.yaml")
	r.encryptTo("secrets-added.yaml", "n: canary-n\n")
	r.commitAll("change")

	canaries := []string{"canary", "ENC[", "age1", "AGE-SECRET"}
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
	for _, tc := range []struct{ rng, want string }{
		{"HEAD~2..HEAD", "secrets-added.yaml\n  + n\nsecrets-gone.yaml\n  - g\nsecrets-new.yaml\n  + x\n  + y[0]\nsecrets-old.yaml\n  - x\n  - y[0]\nsecrets.yaml\n  - b.c\n  + b.d\n  + e\n"},
		{"HEAD~2..HEAD~1", "secrets-new.yaml\n  + x\n  + y[0]\nsecrets-old.yaml\n  - x\n  - y[0]\n"},
		{"HEAD~1..HEAD", "secrets-added.yaml\n  + n\nsecrets-gone.yaml\n  - g\nsecrets-new.yaml\n  ~ x\nsecrets.yaml\n  - b.c\n  + b.d\n  + e\n"},
	} {
		if got := run(DiffKeysOptions{Args: []string{tc.rng}}); got != tc.want {
			t.Errorf("diff-keys %s:\n%s\nwant:\n%s", tc.rng, got, tc.want)
		}
	}
	// The rename is found even with git's rename detection on in the
	// user's config (diff.renames), and a path limits to one side.
	r.git("config", "diff.renames", "copies")
	if got := run(DiffKeysOptions{Args: []string{"HEAD~2..HEAD", "secrets-new.yaml"}}); got != "secrets-new.yaml\n  + x\n  + y[0]\n" {
		t.Errorf("diff-keys limited to the new path:\n%s", got)
	}
	var js struct {
		Files []FileChanges `json:"files"`
	}
	if err := json.Unmarshal([]byte(run(DiffKeysOptions{JSON: true, Args: []string{"HEAD~2..HEAD~1"}})), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Files) != 2 || js.Files[1].File != "secrets-old.yaml" || js.Files[1].Changes[0] != (KeyChange{"x", "removed"}) {
		t.Errorf("json: %+v", js.Files)
	}
}

// Files in two directories under different .sops.yaml rules (other
// recipients each) merge key by key, each keeping its own recipients; the
// recipient check uses the rule of each file's path: a branch that moves
// the prod file to the prod rule's recipients is accepted, a branch that
// moves the dev file to the prod rule's recipients is refused.
func TestMergeTwoDirectoriesTwoRules(t *testing.T) {
	// The subtests use the repository's sops (r.t is this test): find it
	// here, so a missing one fails this test, not a subtest through it.
	testenv.Tool(t, "SOPS_BIN", "sops")
	r := newRepo(t)
	kDev, kProd, kOld := testenv.AgeKey(t), testenv.AgeKey(t), testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY", strings.Join([]string{kDev.String(), kProd.String(), kOld.String()}, "\n"))
	r.eng = encrypt.New(encrypt.Options{})
	rules := func(dev, prod string) string {
		return "creation_rules:\n  - path_regex: ^dev/.*secrets.*\\.yaml$\n    age: " + dev + "\n  - path_regex: ^prod/.*secrets.*\\.yaml$\n    age: " + prod + "\n"
	}
	dev, prod, old := kDev.Recipient().String(), kProd.Recipient().String(), kOld.Recipient().String()
	// prod/secrets.yaml starts out encrypted for an old key (the rule has
	// moved on since: drift).
	testenv.WriteFile(t, r.dir, ".sops.yaml", rules(dev, old))
	for _, d := range []string{"dev", "prod"} {
		if err := os.Mkdir(filepath.Join(r.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r.encryptTo("dev/secrets.yaml", "a: canary-dev-a\nb: canary-dev-b\n")
	r.encryptTo("prod/secrets.yaml", "a: canary-prod-a\nb: canary-prod-b\n")
	testenv.WriteFile(t, r.dir, ".sops.yaml", rules(dev, prod))
	r.commitAll("base")
	recipientsOf := func(name string) string {
		t.Helper()
		m, err := encrypt.Inspect(r.read(name), encrypt.FormatYAML)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m.KeyGroups)
	}
	rekey := func(name, rule string) {
		t.Helper()
		testenv.WriteFile(t, r.dir, ".sops.yaml", rule)
		out, changed, err := r.eng.UpdateKeysFile(context.Background(), filepath.Join(r.dir, name))
		if err != nil || !changed {
			t.Fatalf("updatekeys %s: %v (changed %t)", name, err, changed)
		}
		if err := os.WriteFile(filepath.Join(r.dir, name), out, 0o644); err != nil {
			t.Fatal(err)
		}
		testenv.WriteFile(t, r.dir, ".sops.yaml", rules(dev, prod))
	}

	t.Run("clean", func(t *testing.T) {
		r.git("checkout", "-q", "-b", "feature", "main")
		r.edit("dev/secrets.yaml", func(s string) string { return strings.Replace(s, "canary-dev-b", "canary-dev-b2", 1) })
		rekey("prod/secrets.yaml", rules(dev, prod)) // to the prod rule: accepted
		r.edit("prod/secrets.yaml", func(s string) string { return strings.Replace(s, "canary-prod-b", "canary-prod-b2", 1) })
		r.commitAll("feature: b")
		r.git("checkout", "-q", "-b", "ours", "main")
		r.edit("dev/secrets.yaml", func(s string) string { return strings.Replace(s, "canary-dev-a", "canary-dev-a2", 1) })
		r.edit("prod/secrets.yaml", func(s string) string { return strings.Replace(s, "canary-prod-a", "canary-prod-a2", 1) })
		r.commitAll("ours: a")
		devRecipients, prodRecipients := recipientsOf("dev/secrets.yaml"), recipientsOf("prod/secrets.yaml")

		if out, code := r.gitCode("merge", "--no-edit", "feature"); code != 0 {
			t.Fatalf("merge: exit %d\n%s", code, out)
		}
		for dir, want := range map[string]string{"dev": "a: canary-dev-a2\nb: canary-dev-b2\n", "prod": "a: canary-prod-a2\nb: canary-prod-b2\n"} {
			if got := decryptYAML(t, r.sopsDecrypt(dir+"/secrets.yaml")); !yamlEqual(got, decryptYAML(t, want)) {
				t.Errorf("%s merged to %v, want %s", dir, got, want)
			}
		}
		// The result has ours' recipients, per file.
		if got := recipientsOf("dev/secrets.yaml"); got != devRecipients || !strings.Contains(got, dev) {
			t.Errorf("dev recipients after the merge: %s", got)
		}
		if got := recipientsOf("prod/secrets.yaml"); got != prodRecipients || !strings.Contains(got, old) {
			t.Errorf("prod recipients after the merge: %s", got)
		}
	})

	t.Run("refused", func(t *testing.T) {
		r.git("checkout", "-q", "-f", "main")
		r.git("checkout", "-q", "-b", "feature2", "main")
		rekey("dev/secrets.yaml", rules(prod, prod)) // the prod rule's recipients for a dev file
		r.edit("dev/secrets.yaml", func(s string) string { return strings.Replace(s, "canary-dev-b", "canary-dev-b3", 1) })
		r.commitAll("feature2: dev re-keyed")
		r.git("checkout", "-q", "-b", "ours2", "main")
		r.edit("dev/secrets.yaml", func(s string) string { return strings.Replace(s, "canary-dev-a", "canary-dev-a3", 1) })
		r.commitAll("ours2: a")
		ours := r.read("dev/secrets.yaml")
		out, code := r.gitCode("merge", "--no-edit", "feature2")
		if code == 0 {
			t.Fatalf("merge succeeded:\n%s", out)
		}
		if !strings.Contains(out, "dev/secrets.yaml") || !strings.Contains(out, "changes the recipients") || strings.Contains(out, "canary") {
			t.Errorf("no clear refusal message:\n%s", out)
		}
		if got := r.read("dev/secrets.yaml"); !bytes.Equal(got, ours) {
			t.Error("the dev file is not our version unchanged")
		}
	})
	r.assertNoPlaintext("canary-dev-a2", "canary-dev-b2", "canary-prod-a2", "canary-prod-b2", "canary-dev-b3")
}
