package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"

	"github.com/helm-secrets/helm-secrets/internal/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestMetadataCannotRunPrograms: a file whose metadata names an age plugin
// recipient (age1NAME1…) must not make decryption run age-plugin-NAME,
// even with such a program on PATH; age runs plugins only for plugin
// identities in the user's own keys; and a label that is not our
// identity's recipient is refused as changed. Re-wrapping the data key for
// the file's recipients (rotate) would run it, as with sops: rotate refuses
// plugins not in Keys.AgePlugins.
func TestMetadataCannotRunPrograms(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	bin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "ran")
	testenv.WriteFile(t, bin, "age-plugin-evil", "#!/bin/sh\ntouch "+marker+"\nexit 1\n")
	if err := os.Chmod(filepath.Join(bin, "age-plugin-evil"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("SOPS_AGE_KEY", id.String())
	eng := encrypt.New(encrypt.Options{})
	ctx := context.Background()
	enc, err := eng.Encrypt(ctx, []byte("password: "+canary+"\n"), encrypt.EncryptOptions{
		Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The recipient label is not covered by the MAC: a PR can change it.
	evil := bytes.ReplaceAll(enc, []byte(id.Recipient().String()), []byte(plugin.EncodeRecipient("evil", []byte("x"))))
	// Our identity's recipient is not the label: refused as a changed label.
	if _, err := eng.Decrypt(ctx, evil, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), "label") {
		t.Fatalf("decrypt with a changed label: %v, want ErrNoKey naming the label", err)
	}
	if _, err := eng.Rotate(ctx, evil, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrAgePluginNotAllowed) {
		t.Fatalf("rotate: %v, want ErrAgePluginNotAllowed", err)
	}
	// Allowed, rotate still needs the data key, which the label check
	// refuses; nothing runs either way.
	allowing := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true, AgePlugins: []string{"other", "evil"}}})
	if _, err := allowing.Rotate(ctx, evil, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrNoKey) {
		t.Fatalf("rotate with the plugin allowed: %v, want ErrNoKey", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("age-plugin-evil named by the file's metadata ran")
	}
	// Bech32 is case-insensitive: an upper-case label is still ours.
	upper := bytes.ReplaceAll(enc, []byte(id.Recipient().String()), []byte(strings.ToUpper(id.Recipient().String())))
	if _, err := eng.Decrypt(ctx, upper, encrypt.FormatYAML); err != nil {
		t.Fatalf("decrypt with an upper-case label: %v", err)
	}
	// The unchanged file still decrypts and rotates.
	if _, err := eng.Rotate(ctx, enc, encrypt.FormatYAML); err != nil {
		t.Fatalf("rotate of the honest file: %v", err)
	}
}
