package gitsecrets

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const baseDoc = "db:\n    user: app\n    password: canary-base-pw\napi:\n    token: canary-base-token\nport: 5432\n"

// encValue returns the ENC[] string of a key path in an encrypted YAML file.
func encValue(t *testing.T, data []byte, path ...string) string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	cur := root(&n)
	for _, k := range path {
		cur = lookup(cur, k)
		if cur == nil {
			t.Fatalf("no key %v", path)
		}
	}
	return cur.Value
}

func decryptYAML(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "sops")
	return m
}

// Two branches change different keys of one encrypted file: git merges
// with exit 0 through the driver, the result decrypts with the real sops
// CLI to both changes, and the value unchanged from ours keeps ours'
// ciphertext.
func TestMergeDifferentKeys(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.yaml", func(s string) string {
		return strings.Replace(s, "canary-base-token", "canary-theirs-token", 1) + "extra:\n    added: canary-theirs-added\n"
	})
	r.commitAll("theirs: token")
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-ours-pw", 1) })
	r.commitAll("ours: password")
	oursFile := r.read("secrets.yaml")

	out, code := r.gitCode("merge", "--no-edit", "feature")
	if code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	merged := r.read("secrets.yaml")
	if !encrypt.IsEncrypted(merged, encrypt.FormatYAML) {
		t.Fatal("the merge result is not encrypted")
	}
	got := decryptYAML(t, r.sopsDecrypt("secrets.yaml"))
	want := map[string]any{
		"db":    map[string]any{"user": "app", "password": "canary-ours-pw"},
		"api":   map[string]any{"token": "canary-theirs-token"},
		"port":  5432,
		"extra": map[string]any{"added": "canary-theirs-added"},
	}
	if !yamlEqual(got, want) {
		t.Fatalf("merged to %v, want %v", got, want)
	}
	for _, p := range [][]string{{"db", "password"}, {"db", "user"}, {"port"}} {
		if a, b := encValue(t, oursFile, p...), encValue(t, merged, p...); a != b {
			t.Errorf("%v: ciphertext changed although the value is ours' (%s -> %s)", p, a, b)
		}
	}
	r.assertNoPlaintext("canary-ours-pw", "canary-theirs-token", "canary-theirs-added", "canary-base-pw")
}

func yamlEqual(a, b any) bool {
	x, _ := yaml.Marshal(a)
	y, _ := yaml.Marshal(b)
	return string(x) == string(y)
}

// The same key changed on both sides: git reports a conflict, the file
// stays encrypted and valid, holds both values between conflict markers
// once decrypted, and no plaintext is anywhere on disk.
func TestMergeConflictStaysEncrypted(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.yaml", func(s string) string {
		s = strings.Replace(s, "canary-base-pw", "canary-theirs-pw", 1)
		return strings.Replace(s, "canary-base-token", "canary-theirs-token", 1)
	})
	r.commitAll("theirs")
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-ours-pw", 1) })
	r.commitAll("ours")

	out, code := r.gitCode("merge", "--no-edit", "feature")
	if code == 0 {
		t.Fatalf("merge succeeded despite a conflict:\n%s", out)
	}
	if !strings.Contains(out, "db.password") || strings.Contains(out, "canary") {
		t.Errorf("the driver's message should name db.password and no value:\n%s", out)
	}
	if st := r.git("status", "--porcelain"); !strings.Contains(st, "UU secrets.yaml") {
		t.Errorf("git status does not show the conflict:\n%s", st)
	}
	data := r.read("secrets.yaml")
	if !encrypt.IsEncrypted(data, encrypt.FormatYAML) {
		t.Fatalf("the conflicted file is not encrypted:\n%s", data)
	}
	plain := r.sopsDecrypt("secrets.yaml")
	got := decryptYAML(t, plain)
	wantPW := MarkerOurs + "\ncanary-ours-pw\n" + MarkerSep + "\ncanary-theirs-pw\n" + MarkerTheirs
	if pw := got["db"].(map[string]any)["password"]; pw != wantPW {
		t.Errorf("db.password = %q, want %q", pw, wantPW)
	}
	if tok := got["api"].(map[string]any)["token"]; tok != "canary-theirs-token" {
		t.Errorf("api.token = %q: the non-conflicting change was not merged", tok)
	}
	if !HasConflictMarkers([]byte(plain)) {
		t.Error("HasConflictMarkers misses the driver's markers")
	}
	r.assertNoPlaintext("canary-ours-pw", "canary-theirs-pw", "canary-theirs-token", "canary-base-pw", "<<<<<<<")
}

// A branch with several commits to one encrypted file is rebased onto a
// branch that changed another key of it: every commit replays through the
// driver without manual steps.
func TestRebaseReplays(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	for i, kv := range [][2]string{{"canary-base-token", "canary-f1"}, {"canary-f1", "canary-f2"}, {"user: app", "user: canary-f3"}} {
		r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, kv[0], kv[1], 1) })
		r.commitAll("feature " + string(rune('1'+i)))
	}
	r.git("checkout", "-q", "main")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-main-pw", 1) })
	r.commitAll("main: password")
	r.git("checkout", "-q", "feature")

	out, code := r.gitCode("rebase", "main")
	if code != 0 {
		t.Fatalf("rebase: exit %d\n%s", code, out)
	}
	if n := strings.TrimSpace(r.git("rev-list", "--count", "main..HEAD")); n != "3" {
		t.Errorf("%s commits replayed, want 3", n)
	}
	got := decryptYAML(t, r.sopsDecrypt("secrets.yaml"))
	want := map[string]any{
		"db":   map[string]any{"user": "canary-f3", "password": "canary-main-pw"},
		"api":  map[string]any{"token": "canary-f2"},
		"port": 5432,
	}
	if !yamlEqual(got, want) {
		t.Fatalf("rebased to %v, want %v", got, want)
	}
	r.assertNoPlaintext("canary-main-pw", "canary-f1", "canary-f2", "canary-f3")
}

// A branch that re-encrypts the file for an extra (attacker's) recipient,
// or whose MAC does not verify, is refused: exit non-zero, our version
// left as it is, a message on stderr, nothing encrypted for the new key.
func TestMergeRefusesRecipientChangeAndTampering(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		theirs     func(r *repo, data []byte) []byte
	}{
		{"attacker recipient", "changes the recipients", func(r *repo, data []byte) []byte {
			attacker := testenv.AgeKey(t)
			plain, err := r.eng.Decrypt(context.Background(), data, encrypt.FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			plain = []byte(strings.Replace(string(plain), "canary-base-token", "canary-theirs-token", 1))
			out, err := r.eng.Encrypt(context.Background(), plain, encrypt.EncryptOptions{Format: encrypt.FormatYAML,
				Recipients: &encrypt.Recipients{Age: []string{r.key.Recipient().String(), attacker.Recipient().String()}}})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}},
		{"tampered MAC", "does not decrypt or verify", func(r *repo, data []byte) []byte {
			// Another file's MAC (valid ENC[] syntax, wrong value).
			other, err := r.eng.Encrypt(context.Background(), []byte("x: 1\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML,
				Recipients: &encrypt.Recipients{Age: []string{r.key.Recipient().String()}}})
			if err != nil {
				t.Fatal(err)
			}
			mac := regexp.MustCompile(`(?m)^    mac: .*$`)
			return mac.ReplaceAll(data, mac.Find(other))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t)
			r.encryptTo("secrets.yaml", baseDoc)
			r.commitAll("base")
			r.git("checkout", "-q", "-b", "feature")
			p := filepath.Join(r.dir, "secrets.yaml")
			if err := os.WriteFile(p, tc.theirs(r, r.read("secrets.yaml")), 0o644); err != nil {
				t.Fatal(err)
			}
			r.commitAll("theirs")
			r.git("checkout", "-q", "main")
			r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-ours-pw", 1) })
			r.commitAll("ours")
			ours := r.read("secrets.yaml")

			out, code := r.gitCode("merge", "--no-edit", "feature")
			if code == 0 {
				t.Fatalf("merge succeeded:\n%s", out)
			}
			if !strings.Contains(out, tc.want) || !strings.Contains(out, "secrets.yaml") {
				t.Errorf("no clear refusal message (want %q):\n%s", tc.want, out)
			}
			if got := r.read("secrets.yaml"); string(got) != string(ours) {
				t.Errorf("the work tree file is not our version unchanged")
			}
			m, err := encrypt.Inspect(r.read("secrets.yaml"), encrypt.FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.KeyGroups) != 1 || len(m.KeyGroups[0]) != 1 {
				t.Errorf("recipients after the refused merge: %v", m.KeyGroups)
			}
			r.assertNoPlaintext("canary-ours-pw", "canary-theirs-token", "canary-base-pw")
		})
	}
}

// A JSON file merges key by key too.
func TestMergeJSON(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.json", `{"a": "canary-a", "b": {"c": "canary-c", "n": 1}}`)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.json", func(s string) string { return strings.Replace(s, "canary-c", "canary-c2", 1) })
	r.commitAll("theirs")
	r.git("checkout", "-q", "main")
	r.edit("secrets.json", func(s string) string { return strings.Replace(s, "canary-a", "canary-a2", 1) })
	r.commitAll("ours")
	if out, code := r.gitCode("merge", "--no-edit", "feature"); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	plain, err := r.eng.DecryptFile(context.Background(), filepath.Join(r.dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := yaml.Unmarshal(plain, &got); err != nil {
		t.Fatal(err)
	}
	if !yamlEqual(got, map[string]any{"a": "canary-a2", "b": map[string]any{"c": "canary-c2", "n": 1}}) {
		t.Fatalf("merged to %v", got)
	}
}

// A dotenv file merges by line (key); a conflict there is one line holding
// both values with escaped newlines, still encrypted.
func TestMergeDotenv(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.env", "#comment\nA=canary-a\nB=canary-b\n")
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.env", func(s string) string { return strings.Replace(s, "canary-b", "canary-b2", 1) + "C=canary-c\n" })
	r.commitAll("theirs")
	r.git("checkout", "-q", "main")
	r.edit("secrets.env", func(s string) string { return strings.Replace(s, "canary-a", "canary-a2", 1) })
	r.commitAll("ours")
	if out, code := r.gitCode("merge", "--no-edit", "feature"); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	if got, want := r.sopsDecrypt("secrets.env"), "#comment\nA=canary-a2\nB=canary-b2\nC=canary-c\n"; got != want {
		t.Fatalf("merged to %q, want %q", got, want)
	}
	r.assertNoPlaintext("canary-a2", "canary-b2", "canary-c")
}

// An INI file merges by section and key: changes to different keys of one
// section and of different sections merge; the same key changed to
// different values is a conflict, kept encrypted with both values between
// markers, the rest merged.
func TestMergeINI(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.ini", "[db]\nuser = canary-user\npassword = canary-pw\n\n[api]\ntoken = canary-token\n")
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.ini", func(s string) string {
		s = strings.Replace(s, "canary-pw", "canary-pw-theirs", 1)
		return strings.Replace(s, "canary-token", "canary-token-theirs", 1) + "\n[cache]\nkey = canary-cache\n"
	})
	r.commitAll("theirs")
	r.git("checkout", "-q", "main")
	r.edit("secrets.ini", func(s string) string { return strings.Replace(s, "canary-user", "canary-user-ours", 1) })
	r.commitAll("ours")
	if out, code := r.gitCode("merge", "--no-edit", "feature"); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	want := "[db]\nuser = canary-user-ours\npassword = canary-pw-theirs\n\n[api]\ntoken = canary-token-theirs\n\n[cache]\nkey = canary-cache\n"
	// sops aligns the '=' of a section's keys.
	iniText := func(s string) string { return regexp.MustCompile(` +=`).ReplaceAllString(s, " =") }
	if got := iniText(r.sopsDecrypt("secrets.ini")); got != want {
		t.Fatalf("merged to %q, want %q", got, want)
	}
	r.assertNoPlaintext("canary-user-ours", "canary-pw-theirs", "canary-token-theirs", "canary-cache")

	// The same key changed on both sides.
	r.git("checkout", "-q", "-b", "feature2")
	r.edit("secrets.ini", func(s string) string { return strings.Replace(s, "canary-pw-theirs", "canary-pw-2", 1) })
	r.commitAll("theirs 2")
	r.git("checkout", "-q", "main")
	r.edit("secrets.ini", func(s string) string {
		s = strings.Replace(s, "canary-pw-theirs", "canary-pw-1", 1)
		return strings.Replace(s, "canary-cache", "canary-cache-1", 1)
	})
	r.commitAll("ours 2")
	out, code := r.gitCode("merge", "--no-edit", "feature2")
	if code == 0 {
		t.Fatalf("merge succeeded despite a conflict:\n%s", out)
	}
	if !strings.Contains(out, "db.password") || strings.Contains(out, "canary-pw-") {
		t.Errorf("the driver's message should name db.password and no value:\n%s", out)
	}
	if !encrypt.IsEncrypted(r.read("secrets.ini"), encrypt.FormatINI) {
		t.Fatal("the conflicted file is not encrypted")
	}
	want = "[db]\nuser = canary-user-ours\npassword = \"\"\"" + MarkerOurs + "\ncanary-pw-1\n" + MarkerSep + "\ncanary-pw-2\n" + MarkerTheirs + "\"\"\"\n\n[api]\ntoken = canary-token-theirs\n\n[cache]\nkey = canary-cache-1\n"
	if got := iniText(r.sopsDecrypt("secrets.ini")); got != want {
		t.Fatalf("conflicted merge decrypts to %q, want %q", got, want)
	}
	r.assertNoPlaintext("canary-pw-1", "canary-pw-2", "canary-cache-1")
}

// Our branch added a recipient the way it should (a new .sops.yaml rule,
// then updatekeys); their branch changed a value: the merge goes through,
// with our recipients.
func TestMergeAcceptsRuleChange(t *testing.T) {
	r := newRepo(t)
	r.encryptTo("secrets.yaml", baseDoc)
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "feature")
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-token", "canary-theirs-token", 1) })
	r.commitAll("theirs")
	r.git("checkout", "-q", "main")
	second := testenv.AgeKey(t)
	testenv.WriteFile(t, r.dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets.*\\.(yaml|json|env)$\n    age: "+r.key.Recipient().String()+","+second.Recipient().String()+"\n")
	out, changed, err := r.eng.UpdateKeysFile(context.Background(), filepath.Join(r.dir, "secrets.yaml"))
	if err != nil || !changed {
		t.Fatalf("updatekeys: %v (changed %t)", err, changed)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "secrets.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	r.edit("secrets.yaml", func(s string) string { return strings.Replace(s, "canary-base-pw", "canary-ours-pw", 1) })
	r.commitAll("ours: new recipient")
	if out, code := r.gitCode("merge", "--no-edit", "feature"); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	m, err := encrypt.Inspect(r.read("secrets.yaml"), encrypt.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.KeyGroups) != 1 || len(m.KeyGroups[0]) != 2 {
		t.Errorf("recipients after the merge: %v", m.KeyGroups)
	}
	got := decryptYAML(t, r.sopsDecrypt("secrets.yaml"))
	if got["db"].(map[string]any)["password"] != "canary-ours-pw" || got["api"].(map[string]any)["token"] != "canary-theirs-token" {
		t.Errorf("merged to %v", got)
	}
}
