package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age/plugin"

	"github.com/helm-secrets/helm-secrets/internal/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestMetadataCannotRunPrograms: a file whose metadata names an age plugin
// recipient (age1NAME1…) must not make decryption run age-plugin-NAME,
// even with such a program on PATH; age runs plugins only for plugin
// identities in the user's own keys. Re-wrapping the data key for the
// file's recipients (rotate) would run it, as with sops: rotate refuses
// plugins not in HELM_SECRETS_AGE_PLUGIN_ALLOWLIST (or Keys.AgePlugins).
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
	plain, err := eng.Decrypt(ctx, evil, encrypt.FormatYAML)
	if err != nil || !bytes.Contains(plain, []byte(canary)) {
		t.Fatalf("decrypt: %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("decrypting ran age-plugin-evil named by the file's metadata")
	}
	if _, err := eng.Rotate(ctx, evil, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrAgePluginNotAllowed) {
		t.Fatalf("rotate: %v, want ErrAgePluginNotAllowed", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("rotate ran age-plugin-evil named by the file's metadata")
	}
	// Allowed: rotate wraps for the plugin, which runs (and fails here).
	t.Setenv("HELM_SECRETS_AGE_PLUGIN_ALLOWLIST", "other,evil")
	if _, err := eng.Rotate(ctx, evil, encrypt.FormatYAML); err == nil || errors.Is(err, encrypt.ErrAgePluginNotAllowed) {
		t.Fatalf("rotate with the plugin allowed: %v", err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the allowed plugin did not run")
	}
}
