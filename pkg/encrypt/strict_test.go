package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// strictEngines are the default and strict engines, each with and without
// the age fast path.
func strictEngines(id age.Identity) map[string]*encrypt.Engine {
	keys := encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}
	return map[string]*encrypt.Engine{
		"default":          encrypt.New(encrypt.Options{Keys: keys}),
		"default sopsOnly": encrypt.New(encrypt.Options{Keys: keys, SopsOnly: true}),
		"strict":           encrypt.New(encrypt.Options{Keys: keys, Strict: true}),
		"strict sopsOnly":  encrypt.New(encrypt.Options{Keys: keys, Strict: true, SopsOnly: true}),
	}
}

// TestStrictRefusesUnauthenticatedKeys: a key with an empty value added to
// an encrypted file keeps the MAC valid (sops leaves empty values out of
// it), so by default the file decrypts with the key in it; Strict refuses
// it, naming the key path and nothing of the values.
func TestStrictRefusesUnauthenticatedKeys(t *testing.T) {
	id := testenv.AgeKey(t)
	engines := strictEngines(id)
	ctx := context.Background()
	enc, err := engines["default"].Encrypt(ctx, []byte("password: hunter2\nimage:\n    tag: v1\nlist:\n    - a\n"), encrypt.EncryptOptions{
		Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, old, new, path string
	}{
		{"null added", "password:", "injected: null\npassword:", "injected"},
		{"empty string added", "password:", "injected: \"\"\npassword:", "injected"},
		{"empty list added", "password:", "injected: []\npassword:", "injected"},
		{"empty map added", "password:", "injected: {}\npassword:", "injected"},
		{"nested null", "image:\n", "image:\n    pullPolicy: null\n", "image.pullPolicy"},
		{"empty map in a list", "list:\n", "list:\n    - {}\n", "list[0]"},
		{"null list item", "list:\n", "list:\n    - null\n", "list[0]"},
		{"value replaced by null", "", "", "image.tag"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m []byte
			if c.old == "" {
				// image.tag's ciphertext replaced by null: covered by the
				// MAC, so even the default engine refuses it.
				i := bytes.Index(enc, []byte("tag: ENC["))
				j := bytes.IndexByte(enc[i:], '\n')
				m = append(append(bytes.Clone(enc[:i]), "tag: null"...), enc[i+j:]...)
			} else {
				m = bytes.Replace(enc, []byte(c.old), []byte(c.new), 1)
			}
			if bytes.Equal(m, enc) {
				t.Fatal("mutation did not apply")
			}
			for name, eng := range engines {
				out, err := eng.Decrypt(ctx, m, encrypt.FormatYAML)
				if c.old == "" {
					if !errors.Is(err, encrypt.ErrMACMismatch) {
						t.Errorf("%s: %v, want a MAC mismatch", name, err)
					}
					continue
				}
				if !strings.HasPrefix(name, "strict") {
					// The hole: accepted as authentic.
					if err != nil || !bytes.Contains(out, []byte("hunter2")) {
						t.Errorf("%s: (%q, %v), want the file accepted (sops' behaviour)", name, out, err)
					}
					continue
				}
				if !errors.Is(err, encrypt.ErrUnauthenticated) || out != nil {
					t.Fatalf("%s: (%q, %v), want ErrUnauthenticated", name, out, err)
				}
				if !strings.Contains(err.Error(), `key "`+c.path+`"`) || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "v1") {
					t.Errorf("%s: %v: want the key path %q and no value", name, err, c.path)
				}
			}
		})
	}
	for name, eng := range engines {
		if out, err := eng.Decrypt(ctx, enc, encrypt.FormatYAML); err != nil || !bytes.Contains(out, []byte("hunter2")) {
			t.Errorf("%s refuses the unmodified file: %v", name, err)
		}
	}
}

// TestStrictOtherFormatsAndMACOnly: the check is on sops' tree, so JSON
// is covered like YAML; with mac_only_encrypted the unencrypted values are
// outside the MAC too and Strict refuses them.
func TestStrictOtherFormatsAndMACOnly(t *testing.T) {
	id := testenv.AgeKey(t)
	engines := strictEngines(id)
	ctx := context.Background()
	rcp := &encrypt.Recipients{Age: []string{id.Recipient().String()}}
	enc, err := engines["default"].Encrypt(ctx, []byte(`{"password":"hunter2","n":1}`), encrypt.EncryptOptions{Format: encrypt.FormatJSON, Recipients: rcp})
	if err != nil {
		t.Fatal(err)
	}
	m := bytes.Replace(enc, []byte(`"password"`), []byte(`"injected": null, "password"`), 1)
	if _, err := engines["default"].Decrypt(ctx, m, encrypt.FormatJSON); err != nil {
		t.Fatalf("default engine: %v", err)
	}
	if _, err := engines["strict"].Decrypt(ctx, m, encrypt.FormatJSON); !errors.Is(err, encrypt.ErrUnauthenticated) || !strings.Contains(err.Error(), `"injected"`) {
		t.Fatalf("strict engine on JSON: %v", err)
	}

	macOnly := &encrypt.Recipients{Age: rcp.Age, EncryptedRegex: "^password$", MACOnlyEncrypted: true}
	enc, err = engines["default"].Encrypt(ctx, []byte("password: hunter2\nreplicas: 3\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: macOnly})
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(enc, []byte("replicas: 3"), []byte("replicas: 300"), 1)
	if out, err := engines["default"].Decrypt(ctx, changed, encrypt.FormatYAML); err != nil || !bytes.Contains(out, []byte("replicas: 300")) {
		t.Fatalf("default engine, mac_only_encrypted, unencrypted value changed: (%q, %v), want accepted (sops' behaviour)", out, err)
	}
	for _, name := range []string{"strict", "strict sopsOnly"} {
		if _, err := engines[name].Decrypt(ctx, changed, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrUnauthenticated) || !strings.Contains(err.Error(), `key "replicas"`) {
			t.Fatalf("%s, mac_only_encrypted: %v", name, err)
		}
	}
	onlyEncrypted, err := engines["default"].Encrypt(ctx, []byte("password: hunter2\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: macOnly})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engines["strict"].Decrypt(ctx, onlyEncrypted, encrypt.FormatYAML); err != nil {
		t.Fatalf("strict refuses a mac_only_encrypted file whose values are all encrypted: %v", err)
	}
}

// TestStrictOnFilesWrittenBySops is the evidence for keeping Strict off
// by default: the sops CLI itself writes files with empty values (it
// leaves them as they are), and Strict refuses them. Files without empty
// values pass.
func TestStrictOnFilesWrittenBySops(t *testing.T) {
	sopsBin := testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	dir := t.TempDir()
	engines := strictEngines(id)
	refused := 0
	docs := map[string]bool{ // document: has an empty value
		"password: x\n":                                 false,
		"password: x\noptional: null\n":                 true,
		"password: x\nannotations: {}\n":                true,
		"password: x\nextraArgs: []\n":                  true,
		"password: x\nsuffix: \"\"\n":                   true,
		"password: x\nimage:\n  tag: \"\"\n  name: n\n": true,
	}
	for doc, empty := range docs {
		p := filepath.Join(dir, "v.yaml")
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		enc, err := exec.Command(sopsBin, "--encrypt", "--age", id.Recipient().String(), p).Output()
		if err != nil {
			t.Fatalf("sops --encrypt: %v", err)
		}
		if _, err := engines["default"].Decrypt(context.Background(), enc, encrypt.FormatYAML); err != nil {
			t.Fatalf("default engine refuses a file sops wrote: %v", err)
		}
		_, err = engines["strict"].Decrypt(context.Background(), enc, encrypt.FormatYAML)
		if empty != errors.Is(err, encrypt.ErrUnauthenticated) {
			t.Errorf("%q: strict gives %v", doc, err)
		}
		if err != nil {
			refused++
		}
	}
	t.Logf("strict refuses %d of %d files written by the sops CLI (every one with an empty value)", refused, len(docs))
}
