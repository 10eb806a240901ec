package gitsecrets

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// rawConflict merges two branches that change the same key (and each
// another one) with the merge driver not configured: git writes its own
// conflict markers around the ENC[] lines.
func rawConflict(t *testing.T, diff3 bool) *repo {
	r := newRepo(t)
	r.git("config", "--remove-section", "merge.helm-secrets")
	if diff3 {
		r.git("config", "merge.conflictStyle", "diff3")
	}
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.yaml", func(s string) string {
		s = strings.Replace(s, "canary-base-pw", "canary-feature-pw", 1)
		return strings.Replace(s, "canary-base-token", "canary-feature-token", 1)
	})
	r.commitAll("feature")
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string {
		s = strings.Replace(s, "canary-base-pw", "canary-main-pw", 1)
		return strings.Replace(s, "user: app", "user: canary-main-user", 1)
	})
	r.commitAll("main")
	if out, code := r.gitCode("merge", "--no-edit", "feature"); code == 0 {
		t.Fatalf("git merged without a conflict:\n%s", out)
	}
	raw := r.read("secrets.yaml")
	if !HasGitMarkers(raw) || !bytes.Contains(raw, []byte("ENC[")) {
		t.Fatalf("git did not write its markers around ciphertext:\n%s", raw)
	}
	if diff3 && !bytes.Contains(raw, []byte("\n||||||| ")) {
		t.Fatalf("no diff3 base section:\n%s", raw)
	}
	return r
}

// A file git merged without the driver is merged again from the index
// stages: the result is an encrypted file whose conflicting value holds
// both sides between the driver's markers, with both sides' other changes.
func TestRemergeFromIndex(t *testing.T) {
	for _, diff3 := range []bool{false, true} {
		t.Run(map[bool]string{false: "merge", true: "diff3"}[diff3], func(t *testing.T) {
			r := rawConflict(t, diff3)
			var stderr bytes.Buffer
			conflict, err := RemergeFromIndex(context.Background(), r.eng, filepath.Join(r.dir, "secrets.yaml"), &stderr)
			if err != nil || !conflict {
				t.Fatalf("RemergeFromIndex = %v, %v\n%s", conflict, err, stderr.String())
			}
			if strings.Contains(stderr.String(), "canary") {
				t.Errorf("a value in the messages:\n%s", stderr.String())
			}
			data := r.read("secrets.yaml")
			if HasGitMarkers(data) {
				t.Fatalf("git's markers remain:\n%s", data)
			}
			plain, err := r.eng.Decrypt(context.Background(), data, encrypt.FormatYAML)
			if err != nil {
				t.Fatalf("the result does not decrypt: %v", err)
			}
			for _, want := range []string{MarkerOurs, "canary-main-pw", "canary-feature-pw", "user: canary-main-user", "token: canary-feature-token"} {
				if !strings.Contains(string(plain), want) {
					t.Errorf("the result lacks %q:\n%s", want, plain)
				}
			}
			r.edit("secrets.yaml", func(s string) string {
				i := strings.Index(s, "password:")
				j := strings.Index(s, "api:")
				return s[:i] + "password: canary-resolved-pw\n" + s[j:]
			})
			got := decryptYAML(t, r.sopsDecrypt("secrets.yaml"))
			want := map[string]any{
				"db":   map[string]any{"user": "canary-main-user", "password": "canary-resolved-pw"},
				"api":  map[string]any{"token": "canary-feature-token"},
				"port": 5432,
			}
			if !yamlEqual(got, want) {
				t.Fatalf("resolved to %v, want %v", got, want)
			}
			r.assertNoPlaintext("canary-main-pw", "canary-feature-pw", "canary-resolved-pw", "canary-feature-token", "canary-main-user")
		})
	}
}

// Without the index stages (the conflict was committed, or the file is
// not in a work tree) the error says how to redo the merge, and the file
// is left as it is.
func TestRemergeNoStages(t *testing.T) {
	r := rawConflict(t, false)
	r.commitAll("committed with markers")
	before := r.read("secrets.yaml")
	_, err := RemergeFromIndex(context.Background(), r.eng, filepath.Join(r.dir, "secrets.yaml"), nil)
	if !errors.Is(err, ErrNoStages) || !strings.Contains(err.Error(), "git checkout -m") || !strings.Contains(err.Error(), "git merge --abort") {
		t.Fatalf("err = %v", err)
	}
	if !bytes.Equal(before, r.read("secrets.yaml")) {
		t.Error("the file changed")
	}
	outside := testenv.WriteFile(t, t.TempDir(), "secrets.yaml", string(before))
	if _, err := RemergeFromIndex(context.Background(), r.eng, outside, nil); !errors.Is(err, ErrNoStages) || !strings.Contains(err.Error(), "not in a git work tree") {
		t.Fatalf("outside a repository: err = %v", err)
	}
}

// The merge from the index makes the driver's checks: a side that added a
// recipient the .sops.yaml rule does not give is refused, and the file
// with git's markers is left as it is.
func TestRemergeRefusesRecipientChange(t *testing.T) {
	r := newRepo(t)
	r.git("config", "--remove-section", "merge.helm-secrets")
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	attacker := testenv.AgeKey(t)
	plain, err := r.eng.Decrypt(context.Background(), r.read("secrets.yaml"), encrypt.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.eng.Encrypt(context.Background(), []byte(strings.Replace(string(plain), "canary-base-pw", "canary-theirs-pw", 1)),
		encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{r.key.Recipient().String(), attacker.Recipient().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, r.dir, "secrets.yaml", string(out))
	r.commitAll("theirs")
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-ours-pw", 1) })
	r.commitAll("ours")
	if out, code := r.gitCode("merge", "--no-edit", "feature"); code == 0 {
		t.Fatalf("git merged without a conflict:\n%s", out)
	}
	raw := r.read("secrets.yaml")
	if !HasGitMarkers(raw) {
		t.Fatalf("no git markers:\n%s", raw)
	}
	var stderr bytes.Buffer
	_, err = RemergeFromIndex(context.Background(), r.eng, filepath.Join(r.dir, "secrets.yaml"), &stderr)
	if err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(stderr.String(), "changes the recipients") {
		t.Fatalf("err = %v\n%s", err, stderr.String())
	}
	if !bytes.Equal(raw, r.read("secrets.yaml")) {
		t.Error("the file changed")
	}
	r.assertNoPlaintext("canary-ours-pw", "canary-theirs-pw", "canary-base-pw")
}

func TestHasGitMarkers(t *testing.T) {
	for text, want := range map[string]bool{
		"<<<<<<< HEAD\na: 1\n=======\na: 2\n>>>>>>> feature\n":                             true,
		"<<<<<<< HEAD\r\na: 1\r\n||||||| base\r\na: 0\r\n=======\r\na: 2\r\n>>>>>>> x\r\n": true,
		"a: |\n    <<<<<<< ours\n    1\n    =======\n    2\n    >>>>>>> theirs\n":          false,
		"=======\n<<<<<<< HEAD\n>>>>>>> x\n":                                               false,
		"a: ENC[AES256_GCM,data:x]\n":                                                      false,
	} {
		if got := HasGitMarkers([]byte(text)); got != want {
			t.Errorf("HasGitMarkers(%q) = %v", text, got)
		}
	}
}
