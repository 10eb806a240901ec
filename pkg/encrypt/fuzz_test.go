package encrypt_test

import (
	"context"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// FuzzDecrypt feeds arbitrary documents to the engine: it must never panic
// or hang, and anything it accepts must have come from a valid document
// (the seed corpus holds one, encrypted to the fixed test key below).
func FuzzDecrypt(f *testing.F) {
	id, err := age.ParseX25519Identity(fuzzKey)
	if err != nil {
		f.Fatal(err)
	}
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, MaxInputSize: 1 << 20})
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
		_, _ = eng.Decrypt(context.Background(), doc, fm)
		_ = encrypt.IsEncrypted(doc, fm)
		_ = encrypt.DetectFormat("x", doc)
	})
}

// fuzzKey is a test-only age identity used for the fuzz seed corpus.
const fuzzKey = "AGE-SECRET-KEY-1U3M0ACNQ4UX7ZDRG8VDU0RN2F4AHN9DSPM0PKF0908CGFUDVLC9S89QW0K"
