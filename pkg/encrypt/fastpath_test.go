package encrypt_test

import (
	"bytes"
	"context"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const fastPathDoc = "password: s3cret\nport: 5432\nnested:\n    a: [1, 2.5, true]\n    b: |\n        multi\n        line\n"

func fastAndSopsOnly(tb testing.TB) (fast, sopsOnly *encrypt.Engine, enc []byte) {
	id := testenv.AgeKey(tb)
	keys := encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}
	fast = encrypt.New(encrypt.Options{Keys: keys})
	sopsOnly = encrypt.New(encrypt.Options{Keys: keys, SopsOnly: true})
	enc, err := fast.Encrypt(context.Background(), []byte(fastPathDoc), encrypt.EncryptOptions{
		Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return fast, sopsOnly, enc
}

// TestFastPathSameAsSops: the engine's default (fast path for age-keyed
// YAML) and SopsOnly give the same bytes, and the same refusal for a
// tampered file (internal/lean/sopslite's tests cover this exhaustively).
func TestFastPathSameAsSops(t *testing.T) {
	fast, sopsOnly, enc := fastAndSopsOnly(t)
	ctx := context.Background()
	ran := func(f func()) int64 {
		before := encrypt.FastPathRuns.Load()
		f()
		return encrypt.FastPathRuns.Load() - before
	}
	var a, b []byte
	var err1, err2 error
	if n := ran(func() { a, err1 = fast.Decrypt(ctx, enc, encrypt.FormatYAML) }); n != 1 {
		t.Fatalf("the default engine did not take the fast path (%d runs)", n)
	}
	if n := ran(func() { b, err2 = sopsOnly.Decrypt(ctx, enc, encrypt.FormatYAML) }); n != 0 {
		t.Fatalf("SopsOnly took the fast path (%d runs)", n)
	}
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) || !bytes.Contains(a, []byte("password: s3cret\n")) {
		t.Fatalf("fast %q (%v), sops only %q (%v)", a, err1, b, err2)
	}
	tampered := bytes.Replace(enc, []byte("mac: ENC[AES256_GCM,data:"), []byte("mac: ENC[AES256_GCM,data:A"), 1)
	if n := ran(func() {
		_, err1 = fast.Decrypt(ctx, tampered, encrypt.FormatYAML)
		_, err2 = sopsOnly.Decrypt(ctx, tampered, encrypt.FormatYAML)
	}); n != 0 {
		t.Fatalf("the fast path accepted a tampered file (%d runs)", n)
	}
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
		t.Fatalf("tampered: fast %v, sops only %v", err1, err2)
	}
}

// BenchmarkDecryptAgeYAML compares one small age-keyed YAML document
// through the fast path and through the sops library.
func BenchmarkDecryptAgeYAML(b *testing.B) {
	fast, sopsOnly, enc := fastAndSopsOnly(b)
	for _, c := range []struct {
		name string
		eng  *encrypt.Engine
	}{{"fast", fast}, {"sops", sopsOnly}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.eng.Decrypt(context.Background(), enc, encrypt.FormatYAML); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
