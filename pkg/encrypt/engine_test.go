package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const canary = "s3cr3t-CANARY-4f1d"

var samples = map[string]struct {
	name, plain string
}{
	"yaml":   {"secrets.yaml", "# top comment\ndb:\n    user: admin\n    password: " + canary + "\n    port: 5432\nlist:\n    - a\n    - " + canary + "-2\nempty: \"\"\nnothing: null\nflag_unencrypted: visible\n"},
	"json":   {"secrets.json", "{\n\t\"db\": {\n\t\t\"password\": \"" + canary + "\",\n\t\t\"port\": 5432\n\t},\n\t\"list\": [\n\t\t1,\n\t\t\"x\"\n\t]\n}\n"},
	"dotenv": {"secrets.env", "PASSWORD=" + canary + "\nUSER=admin\n"},
	"ini":    {"secrets.ini", "[db]\npassword = " + canary + "\nuser     = admin\n"},
	"binary": {"secrets.bin", "line one\n" + canary + "\nno trailing newline"},
}

func ageEngine(t *testing.T, ids ...age.Identity) *encrypt.Engine {
	t.Helper()
	return encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: ids, NoEnvironment: true}})
}

func ageRecipients(ids ...*age.X25519Identity) *encrypt.Recipients {
	r := &encrypt.Recipients{}
	for _, id := range ids {
		r.Age = append(r.Age, id.Recipient().String())
	}
	return r
}

func TestRoundTripEveryFormat(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	for fname, s := range samples {
		t.Run(fname, func(t *testing.T) {
			dir := t.TempDir()
			enc, err := eng.Encrypt(ctx, []byte(s.plain), encrypt.EncryptOptions{Path: filepath.Join(dir, s.name), Recipients: ageRecipients(id)})
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(enc, []byte(canary)) {
				t.Fatalf("ciphertext contains the plaintext:\n%s", enc)
			}
			if !encrypt.IsEncrypted(enc, encrypt.FormatFromPath(s.name)) {
				t.Fatal("IsEncrypted(encrypted) = false")
			}
			if encrypt.IsEncrypted([]byte(s.plain), encrypt.FormatFromPath(s.name)) {
				t.Fatal("IsEncrypted(plain) = true")
			}
			p := testenv.WriteFile(t, dir, s.name, string(enc))
			got, err := eng.DecryptFile(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != s.plain {
				t.Fatalf("round trip mismatch:\n got: %q\nwant: %q", got, s.plain)
			}
		})
	}
}

func TestDecryptDetectsFormatFromContent(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	for fname, s := range samples {
		t.Run(fname, func(t *testing.T) {
			dir := t.TempDir()
			enc, err := eng.Encrypt(ctx, []byte(s.plain), encrypt.EncryptOptions{Path: filepath.Join(dir, s.name), Recipients: ageRecipients(id)})
			if err != nil {
				t.Fatal(err)
			}
			// An extension that says nothing: secrets.yaml.enc and friends.
			p := testenv.WriteFile(t, dir, s.name+".enc", string(enc))
			got, err := eng.DecryptFile(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != s.plain {
				t.Fatalf("got %q want %q", got, s.plain)
			}
			if f := encrypt.DetectFormat(p, enc); f.String() != fname {
				t.Fatalf("DetectFormat = %s, want %s", f, fname)
			}
		})
	}
}

func TestSelectorsAndMultiDocument(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	plain := "public: hello\npassword: " + canary + "\n---\npublic: two\npassword: other\n"
	r := ageRecipients(id)
	r.EncryptedRegex = "^password$"
	enc, err := eng.Encrypt(ctx, []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: r})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(enc, []byte("public: hello")) || bytes.Contains(enc, []byte(canary)) {
		t.Fatalf("encrypted_regex not applied:\n%s", enc)
	}
	if n := bytes.Count(enc, []byte("\nsops:")); n != 2 {
		t.Fatalf("want a sops block per document, got %d", n)
	}
	got, err := eng.Decrypt(ctx, enc, encrypt.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != plain {
		t.Fatalf("got %q want %q", got, plain)
	}
}

func TestCreationRulesFromSopsYAML(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	a, b := testenv.AgeKey(t), testenv.AgeKey(t)
	dir := t.TempDir()
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: prod/.*\n    age: "+a.Recipient().String()+"\n    encrypted_regex: ^secret\n  - age: "+b.Recipient().String()+"\n")
	prod := testenv.WriteFile(t, dir, "prod/values.yaml", "secret: "+canary+"\nplain: ok\n")
	dev := testenv.WriteFile(t, dir, "dev/values.yaml", "secret: "+canary+"\n")

	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true}})
	encProd, err := eng.EncryptFile(ctx, prod, encrypt.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(encProd, []byte(a.Recipient().String())) || !bytes.Contains(encProd, []byte("plain: ok")) {
		t.Fatalf("prod rule not applied:\n%s", encProd)
	}
	encDev, err := eng.EncryptFile(ctx, dev, encrypt.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(encDev, []byte(b.Recipient().String())) {
		t.Fatalf("catch-all rule not applied:\n%s", encDev)
	}
	// Only the right key decrypts.
	if _, err := ageEngine(t, b).Decrypt(ctx, encProd, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrNoKey) {
		t.Fatalf("wrong key: err = %v, want ErrNoKey", err)
	}
	if _, err := ageEngine(t, a).Decrypt(ctx, encProd, encrypt.FormatYAML); err != nil {
		t.Fatal(err)
	}
}

func TestNoRecipients(t *testing.T) {
	testenv.Isolate(t)
	dir := t.TempDir()
	p := testenv.WriteFile(t, dir, "values.yaml", "a: b\n")
	_, err := encrypt.New(encrypt.Options{}).EncryptFile(context.Background(), p, encrypt.EncryptOptions{})
	if !errors.Is(err, encrypt.ErrNoRecipients) {
		t.Fatalf("err = %v, want ErrNoRecipients", err)
	}
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: nomatch\n    age: "+testenv.AgeKey(t).Recipient().String()+"\n")
	_, err = encrypt.New(encrypt.Options{}).EncryptFile(context.Background(), p, encrypt.EncryptOptions{})
	if !errors.Is(err, encrypt.ErrNoRecipients) || !errors.Is(err, encrypt.ErrNoCreationRule) {
		t.Fatalf("err = %v, want ErrNoRecipients naming the rule file", err)
	}
}

func TestRecipientsFromEnvironment(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_RECIPIENTS", id.Recipient().String())
	t.Setenv("SOPS_AGE_KEY", id.String())
	eng := encrypt.New(encrypt.Options{})
	enc, err := eng.Encrypt(context.Background(), []byte("a: "+canary+"\n"), encrypt.EncryptOptions{Path: filepath.Join(t.TempDir(), "x.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := eng.Decrypt(context.Background(), enc, encrypt.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "a: "+canary+"\n" {
		t.Fatalf("got %q", got)
	}
}

func TestAgeKeyFromEnvironmentSources(t *testing.T) {
	ctx := context.Background()
	id := testenv.AgeKey(t)
	enc, err := ageEngine(t, id).Encrypt(ctx, []byte("a: "+canary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(t *testing.T, home string){
		"SOPS_AGE_KEY": func(t *testing.T, home string) { t.Setenv("SOPS_AGE_KEY", "# comment\n"+id.String()) },
		"SOPS_AGE_KEY_FILE": func(t *testing.T, home string) {
			t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, home, "k.txt", "# created\n"+id.String()+"\n"))
		},
		"keys.txt": func(t *testing.T, home string) {
			testenv.WriteFile(t, home, ".config/sops/age/keys.txt", id.String()+"\n")
		},
		"SOPS_AGE_KEY_CMD (sops' own lookup)": func(t *testing.T, home string) {
			t.Setenv("SOPS_AGE_KEY_CMD", "echo "+id.String())
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			home := testenv.Isolate(t)
			setup(t, home)
			got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, enc, encrypt.FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(got, []byte(canary)) {
				t.Fatalf("got %q", got)
			}
		})
	}
	t.Run("NoEnvironment ignores the environment", func(t *testing.T) {
		testenv.Isolate(t)
		t.Setenv("SOPS_AGE_KEY", id.String())
		_, err := encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true}}).Decrypt(ctx, enc, encrypt.FormatYAML)
		if !errors.Is(err, encrypt.ErrNoKey) {
			t.Fatalf("err = %v, want ErrNoKey", err)
		}
	})
}

func TestEditKeepsUnchangedCiphertext(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	enc, err := eng.Encrypt(ctx, []byte("keep: same\nchange: old\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	out, changed, err := eng.Edit(ctx, enc, encrypt.FormatYAML, func(p []byte) ([]byte, error) {
		return bytes.Replace(p, []byte("old"), []byte("new"), 1), nil
	})
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if keepLine(enc, "keep:") != keepLine(out, "keep:") {
		t.Fatalf("unchanged value got new ciphertext:\n%s\n%s", keepLine(enc, "keep:"), keepLine(out, "keep:"))
	}
	if keepLine(enc, "change:") == keepLine(out, "change:") {
		t.Fatal("changed value kept its ciphertext")
	}
	got, err := eng.Decrypt(ctx, out, encrypt.FormatYAML)
	if err != nil || string(got) != "keep: same\nchange: new\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	// No change: the input comes back byte for byte.
	same, changed, err := eng.Edit(ctx, out, encrypt.FormatYAML, func(p []byte) ([]byte, error) { return p, nil })
	if err != nil || changed || !bytes.Equal(same, out) {
		t.Fatalf("no-op edit changed the file (changed=%v, err=%v)", changed, err)
	}
	// Invalid edited text: an error, nothing produced.
	_, _, err = eng.Edit(ctx, out, encrypt.FormatYAML, func(p []byte) ([]byte, error) { return []byte("a: [unclosed\n"), nil })
	if !errors.Is(err, encrypt.ErrInvalidContent) {
		t.Fatalf("err = %v, want ErrInvalidContent", err)
	}
}

func keepLine(doc []byte, prefix string) string {
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestRotateAndUpdateKeys(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	a, b := testenv.AgeKey(t), testenv.AgeKey(t)
	dir := t.TempDir()
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+a.Recipient().String()+"\n")
	p := testenv.WriteFile(t, dir, "s.yaml", "k: "+canary+"\n")
	eng := ageEngine(t, a)
	enc, err := eng.EncryptFile(ctx, p, encrypt.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "s.yaml", string(enc))

	rot, err := eng.RotateFile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if keepLine(rot, "k:") == keepLine(enc, "k:") {
		t.Fatal("rotate kept the value ciphertext")
	}
	if got, err := eng.Decrypt(ctx, rot, encrypt.FormatYAML); err != nil || string(got) != "k: "+canary+"\n" {
		t.Fatalf("after rotate: %q %v", got, err)
	}

	// Unchanged rule: nothing to do.
	if _, changed, err := eng.UpdateKeysFile(ctx, p); err != nil || changed {
		t.Fatalf("updatekeys with unchanged rule: changed=%v err=%v", changed, err)
	}
	// Add b, then b alone can decrypt and values keep their ciphertext.
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+a.Recipient().String()+","+b.Recipient().String()+"\n")
	upd, changed, err := eng.UpdateKeysFile(ctx, p)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if keepLine(upd, "k:") != keepLine(enc, "k:") {
		t.Fatal("updatekeys changed value ciphertext")
	}
	if got, err := ageEngine(t, b).Decrypt(ctx, upd, encrypt.FormatYAML); err != nil || string(got) != "k: "+canary+"\n" {
		t.Fatalf("new recipient cannot decrypt: %q %v", got, err)
	}
}

func TestDecryptFilesParallelAndDuplicates(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 40; i++ {
		enc, err := eng.Encrypt(ctx, []byte("i: v"+strings.Repeat("x", i)+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, testenv.WriteFile(t, dir, "f"+strings.Repeat("0", 3-len(itoa(i)))+itoa(i)+".yaml", string(enc)))
	}
	paths = append(paths, paths[3]) // the same file twice
	bad := testenv.WriteFile(t, dir, "plain.yaml", "a: b\n")
	paths = append(paths, bad)
	res, err := eng.DecryptFiles(ctx, paths)
	if err == nil || !errors.Is(err, encrypt.ErrNotEncrypted) || !strings.Contains(err.Error(), "plain.yaml") {
		t.Fatalf("err = %v, want the plain file named", err)
	}
	for i := 0; i < 40; i++ {
		if want := "i: v" + strings.Repeat("x", i) + "\n"; string(res[i].Plaintext) != want || res[i].Err != nil {
			t.Fatalf("file %d: %q %v", i, res[i].Plaintext, res[i].Err)
		}
	}
	if string(res[40].Plaintext) != string(res[3].Plaintext) {
		t.Fatal("duplicate path result differs")
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestReadFilesPassesPlainFilesThrough(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	dir := t.TempDir()
	enc, err := eng.Encrypt(ctx, []byte("a: "+canary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.WriteFile(t, dir, "enc.yaml", string(enc))
	p := testenv.WriteFile(t, dir, "plain.yaml", "b: c\n")
	res, err := eng.DecryptFilesIfEncrypted(ctx, []string{e, p, e})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Encrypted || string(res[0].Plaintext) != "a: "+canary+"\n" || res[2].Plaintext == nil || !res[2].Encrypted {
		t.Fatalf("encrypted file: %+v / %+v", res[0], res[2])
	}
	if res[1].Encrypted || string(res[1].Plaintext) != "b: c\n" {
		t.Fatalf("plain file: %+v", res[1])
	}
	// Everything else still fails closed.
	bad := testenv.WriteFile(t, dir, "cut.yaml", string(enc[:bytes.Index(enc, []byte("sops:"))]))
	if _, err := eng.DecryptFilesIfEncrypted(ctx, []string{p, bad}); !errors.Is(err, encrypt.ErrMalformed) || !strings.Contains(err.Error(), bad) {
		t.Fatalf("err = %v, want ErrMalformed naming %s", err, bad)
	}
}
