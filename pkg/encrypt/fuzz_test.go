package encrypt_test

import (
	"context"
	"errors"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// FuzzDecrypt feeds arbitrary documents to the engine (default, and strict
// on the sops path alone): it must never panic (a recovered panic,
// ErrInternal, fails the target) or hang (the seed corpus holds valid
// documents, encrypted to the fixed test key below).
func FuzzDecrypt(f *testing.F) {
	id, err := age.ParseX25519Identity(fuzzKey)
	if err != nil {
		f.Fatal(err)
	}
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, MaxInputSize: 1 << 20})
	strict := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, MaxInputSize: 1 << 20, Strict: true, SopsOnly: true})
	for _, fmtName := range []encrypt.Format{encrypt.FormatYAML, encrypt.FormatJSON, encrypt.FormatDotenv, encrypt.FormatINI, encrypt.FormatBinary} {
		plain := map[encrypt.Format]string{
			encrypt.FormatYAML: "a: b\nc:\n    - 1\n", encrypt.FormatJSON: `{"a":"b"}`, encrypt.FormatDotenv: "A=b\n",
			encrypt.FormatINI: "[s]\na = b\n", encrypt.FormatBinary: "raw",
		}[fmtName]
		enc, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: fmtName, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc, uint8(fmtName))
	}
	f.Add([]byte("sops:\n  mac: x\n"), uint8(0))
	f.Add([]byte(`{"sops":{"age":[{"recipient":"x","enc":"y"}]},"data":"ENC[AES256_GCM,data:,iv:,tag:,type:str]"}`), uint8(0))
	f.Fuzz(func(t *testing.T, doc []byte, format uint8) {
		fm := encrypt.Format(format % 6)
		// A panic inside sops is recovered into ErrInternal: for the
		// caller an error, for the fuzzer a failure.
		if _, err := eng.Decrypt(context.Background(), doc, fm); errors.Is(err, encrypt.ErrInternal) {
			t.Fatalf("format %v: %v", fm, err)
		}
		if _, err := strict.Decrypt(context.Background(), doc, fm); errors.Is(err, encrypt.ErrInternal) {
			t.Fatalf("strict, format %v: %v", fm, err)
		}
		if _, err := encrypt.EmptyValues(doc, fm); errors.Is(err, encrypt.ErrInternal) {
			t.Fatalf("EmptyValues, format %v: %v", fm, err)
		}
		_ = encrypt.IsEncrypted(doc, fm)
		_ = encrypt.DetectFormat("x", doc)
	})
}

// fuzzKey is a test-only age identity used for the fuzz seed corpus.
const fuzzKey = "AGE-SECRET-KEY-1U3M0ACNQ4UX7ZDRG8VDU0RN2F4AHN9DSPM0PKF0908CGFUDVLC9S89QW0K"
