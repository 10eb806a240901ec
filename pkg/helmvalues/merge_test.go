package helmvalues_test

import (
	"context"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals/helm3"
)

// TestParseErrorOfDecryptedValuesIsSanitised: an encrypted values file
// whose plaintext is not valid YAML for Helm (here a binary-format file
// holding text with an unknown alias) fails, and the error does not quote
// the plaintext (before, the YAML parser's message reached the error).
func TestParseErrorOfDecryptedValuesIsSanitised(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	const canary = "canarysecretvalue42"
	enc, err := eng.Encrypt(context.Background(), []byte("a: *"+canary+"\n"), encrypt.EncryptOptions{
		Format: encrypt.FormatBinary, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := testenv.WriteFile(t, dir, "secrets.bin", string(enc))
	_, err = helmvalues.Merge(context.Background(), &helmvalues.Sources{ValueFiles: []string{p}}, eng, nil, helm3.Parser)
	if err == nil || !strings.Contains(err.Error(), "failed to parse") {
		t.Fatalf("%v, want a parse error", err)
	}
	if strings.Contains(err.Error(), "canary") {
		t.Fatalf("the error quotes the plaintext: %v", err)
	}
}
