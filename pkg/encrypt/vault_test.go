package encrypt_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// fakeVault is a minimal Vault transit engine (encrypt/decrypt echo the
// data key with a prefix) that counts the requests carrying a token.
func fakeVault(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var tokened atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Vault-Token") != "" {
			tokened.Add(1)
		}
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		data := map[string]string{}
		switch {
		case strings.Contains(r.URL.Path, "/encrypt/"):
			data["ciphertext"] = "vault:v1:" + body["plaintext"]
		case strings.Contains(r.URL.Path, "/decrypt/"):
			data["plaintext"] = strings.TrimPrefix(body["ciphertext"], "vault:v1:")
		}
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"data": data})
	}))
	t.Cleanup(srv.Close)
	return srv, &tokened
}

func TestVaultAddressFromFileNeedsAllowing(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	good, _ := fakeVault(t)
	evil, evilHits := fakeVault(t)
	t.Setenv("VAULT_TOKEN", "s.user-token")
	t.Setenv("VAULT_ADDR", good.URL)

	eng := encrypt.New(encrypt.Options{})
	enc, err := eng.Encrypt(ctx, []byte("a: "+canary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{HCVault: []string{good.URL + "/v1/transit/keys/app"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := eng.Decrypt(ctx, enc, encrypt.FormatYAML); err != nil || !strings.Contains(string(got), canary) {
		t.Fatalf("allowed address: %q %v", got, err)
	}

	// A malicious change points the file at another server.
	crafted := strings.ReplaceAll(string(enc), good.URL, evil.URL)
	_, err = eng.Decrypt(ctx, []byte(crafted), encrypt.FormatYAML)
	if !errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), "vault address not allowed") {
		t.Fatalf("err = %v, want the address refused", err)
	}
	if evilHits.Load() != 0 {
		t.Fatalf("the token was sent to the file's address %d times", evilHits.Load())
	}

	// Allowed through Keys.VaultAddresses: the request goes out.
	before := evilHits.Load()
	_, _ = encrypt.New(encrypt.Options{Keys: encrypt.Keys{VaultAddresses: []string{evil.URL}}}).Decrypt(ctx, []byte(crafted), encrypt.FormatYAML)
	if evilHits.Load() == before {
		t.Fatal("an address in Keys.VaultAddresses was not contacted")
	}
	// A different address in Keys.VaultAddresses does not allow it.
	before = evilHits.Load()
	if _, err := encrypt.New(encrypt.Options{Keys: encrypt.Keys{VaultAddresses: []string{evil.URL + "0"}}}).Decrypt(ctx, []byte(crafted), encrypt.FormatYAML); !errors.Is(err, encrypt.ErrNoKey) || evilHits.Load() != before {
		t.Fatalf("Keys.VaultAddresses with another address: %v, %d requests", err, evilHits.Load()-before)
	}
	if evilHits.Load() == 0 {
		t.Fatal("allow-listed address was not contacted")
	}
}
