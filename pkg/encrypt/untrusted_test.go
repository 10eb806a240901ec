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
	"filippo.io/age/plugin"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
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

// TestAllowedAgePluginRuns: an honest file encrypted for an age plugin
// recipient (here a real plugin, built from testdata/ageplugin, speaking
// the age plugin protocol) rotates only when the plugin is allowed
// (Keys.AgePlugins); then the plugin runs and the new data key is wrapped
// for it. Not allowed, it never starts.
func TestAllowedAgePluginRuns(t *testing.T) {
	testenv.Isolate(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "age-plugin-helmtest"), "./testdata/ageplugin")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build the test plugin: %v\n%s", err, out)
	}
	log := filepath.Join(t.TempDir(), "runs")
	t.Setenv("HELMTEST_PLUGIN_LOG", log)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	runs := func() int { b, _ := os.ReadFile(log); return bytes.Count(b, []byte("ran\n")) }

	id := testenv.AgeKey(t)        // ours
	viaPlugin := testenv.AgeKey(t) // the plugin wraps to this one
	pluginRecipient := plugin.EncodeRecipient("helmtest", []byte(viaPlugin.Recipient().String()))
	ctx := context.Background()
	keys := encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}
	enc, err := encrypt.New(encrypt.Options{Keys: keys}).Encrypt(ctx, []byte("password: "+canary+"\n"), encrypt.EncryptOptions{
		Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String(), pluginRecipient}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs() != 1 {
		t.Fatalf("encrypting for the plugin recipient ran it %d times, want 1", runs())
	}

	if _, err := encrypt.New(encrypt.Options{Keys: keys}).Rotate(ctx, enc, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrAgePluginNotAllowed) || !strings.Contains(err.Error(), `"helmtest"`) {
		t.Fatalf("rotate, plugin not allowed: %v", err)
	}
	if runs() != 1 {
		t.Fatal("a plugin that is not allowed ran")
	}

	allowed := keys
	allowed.AgePlugins = []string{"helmtest"}
	rotated, err := encrypt.New(encrypt.Options{Keys: allowed}).Rotate(ctx, enc, encrypt.FormatYAML)
	if err != nil {
		t.Fatalf("rotate, plugin allowed: %v", err)
	}
	if runs() != 2 {
		t.Fatalf("the allowed plugin ran %d times in all, want 2", runs())
	}
	if out, err := encrypt.New(encrypt.Options{Keys: keys}).Decrypt(ctx, rotated, encrypt.FormatYAML); err != nil || !bytes.Contains(out, []byte(canary)) {
		t.Fatalf("rotated file: %v", err)
	}
	if bytes.Equal(rotated, enc) || !bytes.Contains(rotated, []byte(pluginRecipient)) {
		t.Fatal("rotate did not re-wrap for the plugin recipient")
	}
}
