package encrypt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Encrypt a document to an age recipient and decrypt it again, with the
// identity injected instead of read from the environment.
func Example() {
	id, _ := age.GenerateX25519Identity()
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{
		AgeIdentities: []age.Identity{id},
		NoEnvironment: true,
	}})
	ctx := context.Background()

	enc, err := eng.Encrypt(ctx, []byte("password: hunter2\n"), encrypt.EncryptOptions{
		Format:     encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(string(enc), "password: ENC[AES256_GCM,"))

	plain, err := eng.Decrypt(ctx, enc, encrypt.FormatAuto)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(plain))
	// Output:
	// true
	// password: hunter2
}

// Encrypt a file following the .sops.yaml creation rule that matches it,
// then decrypt it from disk.
func ExampleEngine_EncryptFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	id, _ := age.GenerateX25519Identity()
	_ = os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - path_regex: \\.yaml$\n    age: "+id.Recipient().String()+"\n    encrypted_regex: ^password$\n"), 0o644)
	path := filepath.Join(dir, "values.yaml")
	_ = os.WriteFile(path, []byte("user: admin\npassword: hunter2\n"), 0o644)

	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	ctx := context.Background()
	enc, err := eng.EncryptFile(ctx, path, encrypt.EncryptOptions{})
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(path, enc, 0o644); err != nil {
		panic(err)
	}
	fmt.Println(strings.Split(string(enc), "\n")[0]) // only password matches encrypted_regex

	plain, err := eng.DecryptFile(ctx, path)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(plain))
	// Output:
	// user: admin
	// user: admin
	// password: hunter2
}

// Decrypt many files at once; failures are reported per file and joined.
func ExampleEngine_DecryptFiles() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	id, _ := age.GenerateX25519Identity()
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	ctx := context.Background()
	var paths []string
	for _, name := range []string{"a.yaml", "b.yaml"} {
		enc, _ := eng.Encrypt(ctx, []byte("file: "+name+"\n"), encrypt.EncryptOptions{Path: name, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, enc, 0o644)
		paths = append(paths, p)
	}
	plainFile := filepath.Join(dir, "plain.yaml")
	_ = os.WriteFile(plainFile, []byte("x: y\n"), 0o644)

	results, err := eng.DecryptFiles(ctx, append(paths, plainFile))
	for _, r := range results[:2] {
		fmt.Print(string(r.Plaintext))
	}
	fmt.Println(errors.Is(err, encrypt.ErrNotEncrypted))
	// Output:
	// file: a.yaml
	// file: b.yaml
	// true
}

// Change one value; the others keep their exact ciphertext.
func ExampleEngine_Edit() {
	id, _ := age.GenerateX25519Identity()
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	ctx := context.Background()
	enc, _ := eng.Encrypt(ctx, []byte("a: one\nb: two\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})

	edited, changed, err := eng.Edit(ctx, enc, encrypt.FormatYAML, func(p []byte) ([]byte, error) {
		return []byte(strings.Replace(string(p), "two", "2", 1)), nil
	})
	if err != nil {
		panic(err)
	}
	sameA := strings.Split(string(enc), "\n")[0] == strings.Split(string(edited), "\n")[0]
	fmt.Println(changed, sameA)
	// Output: true true
}

// A tampered file is refused, and the error says why.
func ExampleErrMACMismatch() {
	id, _ := age.GenerateX25519Identity()
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	ctx := context.Background()
	enc, _ := eng.Encrypt(ctx, []byte("password: hunter2\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
	tampered := strings.Replace(string(enc), "sops:\n", "injected_unencrypted: evil\nsops:\n", 1)

	_, err := eng.Decrypt(ctx, []byte(tampered), encrypt.FormatYAML)
	fmt.Println(errors.Is(err, encrypt.ErrMACMismatch))
	// Output: true
}
