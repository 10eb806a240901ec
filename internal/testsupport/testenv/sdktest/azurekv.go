package sdktest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakeazure"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// AzureKeyVaultPerCallCredentials: a values file whose data key is wrapped
// by an Azure Key Vault key (Key Vault's and Entra ID's REST APIs, reached
// by sops' real Azure clients) renders through render with an engine
// holding the key owner's client-secret credential per call
// (Keys.AzureKeyVault.Credential, NoEnvironment), with one decrypt call and
// one token, while the process environment names another application
// whose credential is never used; with the other application's credential
// it fails before rendering, naming Azure Key Vault, the key's URL and the
// file, without the plaintext or any secret in the error.
func AzureKeyVaultPerCallCredentials(t *testing.T, render Renderer) {
	f := New(t)
	const tenant = "5d0c1b2a-3e4f-4a5b-9c6d-7e8f9a0b1c2d"
	const ownerSecret, otherSecret, envSecret = "owner~sdk-secret-NEVER-PRINTED", "other~sdk-secret-NEVER-PRINTED", "env~sdk-secret-NEVER-PRINTED"
	az := fakeazure.New(tenant)
	az.AddClient("sdk-owner", ownerSecret)
	az.AddClient("sdk-other", otherSecret)
	az.AddClient("sdk-env", envSecret)
	if err := az.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(az.Close)
	version := az.NewKeyVersion("hs-sdk", "values")
	az.Grant("sdk-owner", "hs-sdk", "values")
	az.Grant("sdk-env", "hs-sdk", "values")
	keyURL := fakeazure.VaultURL("hs-sdk") + "/keys/values/" + version
	// The environment names an application that may use the key: the
	// engine must not fall back to it.
	t.Setenv("AZURE_TENANT_ID", tenant)
	t.Setenv("AZURE_CLIENT_ID", "sdk-env")
	t.Setenv("AZURE_CLIENT_SECRET", envSecret)
	copts := azcore.ClientOptions{Transport: &http.Client{Transport: az.Transport()}}
	engine := func(id, secret string) *encrypt.Engine {
		cred, err := azidentity.NewClientSecretCredential(tenant, id, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: copts})
		if err != nil {
			t.Fatal(err)
		}
		return encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true, AzureKeyVault: &encrypt.AzureKeyVaultOptions{
			Credential: cred, ClientOptions: &azkeys.ClientOptions{ClientOptions: copts},
		}}})
	}
	ctx := context.Background()
	enc, err := engine("sdk-owner", ownerSecret).Encrypt(ctx, []byte("password: "+Canary+"-azure\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{AzureKV: []string{keyURL}}})
	if err != nil {
		t.Fatal(err)
	}
	f.Write("secrets.yaml", string(enc))
	o := Sources{ValueFiles: []string{"secrets.yaml"}}
	before, tokens := az.Calls("decrypt", "hs-sdk", "values"), az.TokenRequests("sdk-owner")
	out, err := render(ctx, engine("sdk-owner", ownerSecret), Chart(t, "app"), o)
	if err != nil || !strings.Contains(out, Canary+"-azure") {
		t.Fatalf("render with the owner's credential: %v\n%s", err, out)
	}
	if n := az.Calls("decrypt", "hs-sdk", "values") - before; n != 1 {
		t.Fatalf("%d decrypt calls", n)
	}
	if n := az.TokenRequests("sdk-owner") - tokens; n != 1 {
		t.Fatalf("%d tokens fetched for one render", n)
	}
	out, err = render(ctx, engine("sdk-other", otherSecret), Chart(t, "app"), o)
	if !errors.Is(err, encrypt.ErrNoKey) || out != "" {
		t.Fatalf("render with another application's credential: %v\n%s", err, out)
	}
	for _, w := range []string{"Azure Key Vault", keyURL, "secrets.yaml", "refused the identity"} {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("the error lacks %q: %v", w, err)
		}
	}
	t.Logf("with another application's credential: %v", err)
	for _, s := range []string{ownerSecret, otherSecret, envSecret, Canary} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("a secret in the error: %v", err)
		}
	}
	if n := az.TokenRequests("sdk-env"); n != 0 {
		t.Fatalf("the environment's credential was used %d times", n)
	}
}
