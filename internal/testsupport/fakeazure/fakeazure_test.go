package fakeazure_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakeazure"
)

const tenant = "11111111-2222-3333-4444-555555555555"

// TestRealClients: the real azidentity client-secret credential and azkeys
// client, through the fake's proxy: the challenge, a token for
// vault.azure.net, GetKey (kid with the version), encrypt/decrypt with
// RSA-OAEP-256 on the newest and an older version, wrapkey/unwrapkey, a
// 404 for an unknown key, one token for all of it, a 403 for a client not
// granted the key, AADSTS7000215 for a wrong secret, and a refused
// destination for any other host.
func TestRealClients(t *testing.T) {
	s := fakeazure.New(tenant)
	s.AddClient("app-a", "secret-a")
	s.AddClient("app-b", "secret-b")
	v1 := s.NewKeyVersion("kv1", "k")
	s.Grant("app-a", "kv1", "k")
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opts := azcore.ClientOptions{Transport: &http.Client{Transport: s.Transport()}}
	cred := func(id, secret string) azcore.TokenCredential {
		c, err := azidentity.NewClientSecretCredential(tenant, id, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: opts})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	c, err := azkeys.NewClient(fakeazure.VaultURL("kv1"), cred("app-a", "secret-a"), &azkeys.ClientOptions{ClientOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetKey(ctx, "k", "", nil)
	if err != nil || got.Key.KID.Version() != v1 {
		t.Fatalf("GetKey: %v", err)
	}
	v2 := s.NewKeyVersion("kv1", "k")
	params := func(b []byte) azkeys.KeyOperationParameters {
		return azkeys.KeyOperationParameters{Algorithm: to.Ptr(azkeys.EncryptionAlgorithmRSAOAEP256), Value: b}
	}
	for _, v := range []string{v1, v2, ""} {
		enc, err := c.Encrypt(ctx, "k", v, params([]byte("data key")), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := v
		if v == "" {
			want = v2
		}
		if enc.KID.Version() != want {
			t.Fatalf("kid %s for version %q", *enc.KID, v)
		}
		dec, err := c.Decrypt(ctx, "k", want, params(enc.Result), nil)
		if err != nil || !bytes.Equal(dec.Result, []byte("data key")) {
			t.Fatalf("decrypt: %v", err)
		}
		if _, err := c.Decrypt(ctx, "k", v1, params(enc.Result), nil); (err == nil) != (want == v1) {
			t.Fatalf("decrypt with another version: %v", err)
		}
	}
	wrapped, err := c.WrapKey(ctx, "k", v1, azkeys.KeyOperationParameters{Algorithm: to.Ptr(azkeys.EncryptionAlgorithmRSAOAEP256), Value: []byte("dek")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if un, err := c.UnwrapKey(ctx, "k", v1, azkeys.KeyOperationParameters{Algorithm: to.Ptr(azkeys.EncryptionAlgorithmRSAOAEP256), Value: wrapped.Result}, nil); err != nil || string(un.Result) != "dek" {
		t.Fatalf("unwrapkey: %v", err)
	}
	s.Grant("app-a", "kv1", "missing") // granted (RBAC on the key's scope), but absent
	if _, err := c.GetKey(ctx, "missing", "", nil); !errors.As(err, new(*azcore.ResponseError)) || !strings.Contains(err.Error(), "KeyNotFound") {
		t.Fatalf("unknown key: %v", err)
	}
	if n := s.TokenRequests("app-a"); n != 1 {
		t.Fatalf("%d token requests", n)
	}
	var re *azcore.ResponseError
	cb, _ := azkeys.NewClient(fakeazure.VaultURL("kv1"), cred("app-b", "secret-b"), &azkeys.ClientOptions{ClientOptions: opts})
	if _, err := cb.Encrypt(ctx, "k", "", params([]byte("x")), nil); !errors.As(err, &re) || re.StatusCode != 403 {
		t.Fatalf("not granted: %v", err)
	}
	cw, _ := azkeys.NewClient(fakeazure.VaultURL("kv1"), cred("app-a", "wrong"), &azkeys.ClientOptions{ClientOptions: opts})
	if _, err := cw.Encrypt(ctx, "k", "", params([]byte("x")), nil); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong secret: %v", err)
	}
	resp, err := (&http.Client{Transport: s.Transport()}).Get("https://example.com/")
	if err == nil {
		resp.Body.Close()
		t.Fatal("the proxy let a request out")
	}
	if r := s.Refused(); len(r) != 1 || !strings.Contains(r[0], "example.com") {
		t.Fatalf("refused: %v", r)
	}
}
