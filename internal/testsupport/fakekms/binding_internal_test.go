package fakekms

import (
	"context"
	"testing"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestCiphertextBindsKeyName gives two CryptoKeys the same AES key: only the
// name (and version) in the GCM additional data tells their ciphertexts apart.
func TestCiphertextBindsKeyName(t *testing.T) {
	s := &Server{keys: map[string]*cryptoKey{}, calls: map[string]int64{}}
	a, b := KeyName("p", "l", "r", "a"), KeyName("p", "l", "r", "b")
	if err := s.AddKey(a); err != nil {
		t.Fatal(err)
	}
	s.keys[b] = &cryptoKey{name: b, aead: s.keys[a].aead}

	ctx := context.Background()
	enc, err := s.Encrypt(ctx, &kmspb.EncryptRequest{Name: a, Plaintext: []byte("secret")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decrypt(ctx, &kmspb.DecryptRequest{Name: a, Ciphertext: enc.GetCiphertext()}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Decrypt(ctx, &kmspb.DecryptRequest{Name: b, Ciphertext: enc.GetCiphertext()})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("decrypt under another name with the same AES key: %v, want InvalidArgument", err)
	}
}
