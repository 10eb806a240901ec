package encrypt_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// exampleEngine is an engine with one fresh age identity, and its
// recipient.
func exampleEngine() (*encrypt.Engine, string) {
	id, _ := age.GenerateX25519Identity()
	return encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}}), id.Recipient().String()
}

// Rotate gives a document a new data key: every value's ciphertext
// changes, the plaintext does not.
func ExampleEngine_Rotate() {
	eng, rcpt := exampleEngine()
	ctx := context.Background()
	enc, _ := eng.Encrypt(ctx, []byte("password: hunter2\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{rcpt}}})

	rotated, err := eng.Rotate(ctx, enc, encrypt.FormatYAML)
	if err != nil {
		panic(err)
	}
	plain, _ := eng.Decrypt(ctx, rotated, encrypt.FormatYAML)
	fmt.Println(strings.Split(string(enc), "\n")[0] != strings.Split(string(rotated), "\n")[0])
	fmt.Print(string(plain))
	// Output:
	// true
	// password: hunter2
}

// UpdateKeysFile re-wraps a file's data key for the recipients its
// .sops.yaml creation rule names now (a recipient added here), keeping
// every value's ciphertext.
func ExampleEngine_UpdateKeysFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	eng, rcpt := exampleEngine()
	_, other := exampleEngine()
	ctx := context.Background()
	path := filepath.Join(dir, "secrets.yaml")
	enc, _ := eng.Encrypt(ctx, []byte("password: hunter2\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{rcpt}}})
	_ = os.WriteFile(path, enc, 0o644)
	_ = os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - age: "+rcpt+","+other+"\n"), 0o644)

	out, changed, err := eng.UpdateKeysFile(ctx, path)
	if err != nil {
		panic(err)
	}
	fmt.Println(changed, bytes.Contains(out, []byte(other)), strings.Split(string(out), "\n")[0] == strings.Split(string(enc), "\n")[0])
	// Output: true true true
}

// DecryptFilesIfEncrypted reads values files that may or may not be
// encrypted: plain ones come back as they are.
func ExampleEngine_DecryptFilesIfEncrypted() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	eng, rcpt := exampleEngine()
	ctx := context.Background()
	enc, _ := eng.Encrypt(ctx, []byte("password: hunter2\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{rcpt}}})
	secrets, plain := filepath.Join(dir, "secrets.yaml"), filepath.Join(dir, "values.yaml")
	_ = os.WriteFile(secrets, enc, 0o644)
	_ = os.WriteFile(plain, []byte("replicas: 2\n"), 0o644)

	results, err := eng.DecryptFilesIfEncrypted(ctx, []string{secrets, plain})
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Printf("%s %t %s", filepath.Base(r.Path), r.Encrypted, r.Plaintext)
	}
	// Output:
	// secrets.yaml true password: hunter2
	// values.yaml false replicas: 2
}

// DecryptDocuments decrypts files and documents held in memory (an
// encrypted --set literal, a download) in one concurrent call.
func ExampleEngine_DecryptDocuments() {
	eng, rcpt := exampleEngine()
	ctx := context.Background()
	literal, _ := eng.Encrypt(ctx, []byte("hunter2"), encrypt.EncryptOptions{Format: encrypt.FormatBinary, Recipients: &encrypt.Recipients{Age: []string{rcpt}}})

	results := eng.DecryptDocuments(ctx, []encrypt.Document{{Data: literal}, {Data: []byte("not: encrypted\n")}})
	for _, r := range results {
		fmt.Printf("%t %q %v\n", r.Encrypted, r.Plaintext, r.Err)
	}
	// Output:
	// true "hunter2" <nil>
	// false "not: encrypted\n" <nil>
}

// IsEncrypted tells SOPS documents from plain ones by their metadata, in
// any format.
func ExampleIsEncrypted() {
	eng, rcpt := exampleEngine()
	enc, _ := eng.Encrypt(context.Background(), []byte(`{"a": "b"}`), encrypt.EncryptOptions{Format: encrypt.FormatJSON, Recipients: &encrypt.Recipients{Age: []string{rcpt}}})
	fmt.Println(encrypt.IsEncrypted(enc, encrypt.FormatAuto), encrypt.IsEncrypted([]byte(`{"a": "b"}`), encrypt.FormatAuto))
	// Output: true false
}
