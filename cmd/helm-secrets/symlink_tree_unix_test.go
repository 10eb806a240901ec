//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestRekeyRefusesSymlinkOutOfTree: a repository holds a .sops.yaml naming
// an attacker's recipient and a symlink to a secrets file of the user's
// outside the repository. updatekeys (one file and -r) and rotate -i / -r
// on the link refuse, naming the link, and leave the outside file as it
// was; a link within the tree and the outside file named directly still
// work.
func TestRekeyRefusesSymlinkOutOfTree(t *testing.T) {
	testenv.Isolate(t)
	base := t.TempDir()
	user, attacker := testenv.AgeKey(t), testenv.AgeKey(t)
	keyFile := testenv.WriteFile(t, base, "key.txt", user.String()+"\n")
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{user}, NoEnvironment: true}})
	enc, err := eng.Encrypt(context.Background(), []byte("password: x\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{Age: []string{user.Recipient().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	outside := testenv.WriteFile(t, home, "prod.yaml", string(enc))
	// A folder below the user's .sops.yaml, reached through a linked folder.
	outsideSub := testenv.WriteFile(t, home, "sub/prod.yaml", string(enc))
	testenv.WriteFile(t, home, ".sops.yaml", "creation_rules:\n  - age: "+user.Recipient().String()+"\n")
	repo := filepath.Join(base, "repo")
	testenv.WriteFile(t, repo, ".sops.yaml", "creation_rules:\n  - age: "+user.Recipient().String()+","+attacker.Recipient().String()+"\n")
	inTree := testenv.WriteFile(t, repo, "sub/own.yaml", string(enc))
	for link, target := range map[string]string{"prod.yaml": outside, "linkdir": filepath.Join(home, "sub"), "own-link.yaml": "sub/own.yaml"} {
		if err := os.Symlink(target, filepath.Join(repo, link)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(repo)
	for _, args := range [][]string{
		{"updatekeys", "prod.yaml"},
		{"updatekeys", filepath.Join(repo, "linkdir", "prod.yaml")},
		{"updatekeys", "-r", "prod.yaml"},
		{"rotate", "-i", "prod.yaml"},
		{"rotate", "-r", "prod.yaml"},
	} {
		_, stderr, code := runCLI(t, "", args...)
		if code == 0 || !strings.Contains(stderr, "refused to rewrite") || !strings.Contains(stderr, "symlink") {
			t.Errorf("%q: exit %d, %s", args, code, stderr)
		}
		for _, f := range []string{outside, outsideSub} {
			if got, _ := os.ReadFile(f); string(got) != string(enc) {
				t.Fatalf("%q rewrote %s, outside the repository:\n%s", args, f, got)
			}
		}
	}
	// rotate to stdout writes nothing: allowed.
	if _, stderr, code := runCLI(t, "", "rotate", "prod.yaml"); code != 0 {
		t.Errorf("rotate to stdout: %d %s", code, stderr)
	}
	// A link within the tree is re-keyed for the tree's recipients.
	if _, stderr, code := runCLI(t, "", "updatekeys", "own-link.yaml"); code != 0 {
		t.Errorf("updatekeys on a link within the tree: %d %s", code, stderr)
	}
	if got, _ := os.ReadFile(inTree); !strings.Contains(string(got), attacker.Recipient().String()) {
		t.Errorf("the in-tree file was not re-keyed")
	}
	// Named directly, the outside file gets its own .sops.yaml's recipients.
	if _, stderr, code := runCLI(t, "", "updatekeys", outside); code != 0 {
		t.Errorf("updatekeys on the target itself: %d %s", code, stderr)
	}
	if got, _ := os.ReadFile(outside); strings.Contains(string(got), attacker.Recipient().String()) {
		t.Errorf("the outside file got the repository's recipient")
	}
}
