package encrypt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakevault"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestPerCallCredentialsTenants: a multi-tenant program passes each
// tenant's AWS KMS and Vault credentials per engine (Keys.AWSKMS,
// Keys.VaultToken, Keys.NoEnvironment), none in its environment. Two
// tenants, each with its own KMS key (its principal allowed only that one,
// on one AWS KMS endpoint) and its own Vault, decrypt concurrently: each
// opens its own files, and the other tenant's fail with the access-denied
// message (AWS) or the refused token (Vault). The process environment
// holds no credential of either tenant before, during or after.
func TestPerCallCredentialsTenants(t *testing.T) {
	testenv.Isolate(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	a := fakekms.StartAWS(t)
	ctx := context.Background()

	type tenant struct {
		name, id, secret, token, arn, vault string
		eng                                 *encrypt.Engine
		files                               [][]byte // one AWS KMS file, one Vault file
		plain                               []string
	}
	tenants := []*tenant{
		{name: "tenant-a", id: "AKIATENANTA000000001", secret: "secret-a-NEVER-PRINTED", token: "hvs.token-a-NEVER-PRINTED"},
		{name: "tenant-b", id: "AKIATENANTB000000002", secret: "secret-b-NEVER-PRINTED", token: "hvs.token-b-NEVER-PRINTED"},
	}
	var vaults []string
	for _, tn := range tenants {
		arn, err := a.CreateKey()
		if err != nil {
			t.Fatal(err)
		}
		tn.arn = arn
		a.AddUser(tn.name, tn.id, tn.secret, arn)
		v := fakevault.New(tn.token)
		v.TransitMount("", "transit")
		addr, err := v.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { v.Close() })
		tn.vault = addr
		vaults = append(vaults, addr)
	}
	noCredentialsInEnv := func(when string) { // Errorf: also called from goroutines
		for _, kv := range os.Environ() {
			for _, tn := range tenants {
				for _, s := range []string{tn.id, tn.secret, tn.token} {
					if strings.Contains(kv, s) {
						t.Errorf("%s: a tenant's credential in the environment", when)
					}
				}
			}
			n, _, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(n, "AWS_ACCESS") || strings.HasPrefix(n, "AWS_SECRET") || n == "AWS_SESSION_TOKEN" || n == "AWS_PROFILE" || n == "VAULT_TOKEN" {
				t.Errorf("%s: %s is set", when, n)
			}
		}
	}
	noCredentialsInEnv("before")
	for _, tn := range tenants {
		tn.eng = encrypt.New(encrypt.Options{Keys: encrypt.Keys{
			NoEnvironment: true,
			AWSKMS: &encrypt.AWSKMSOptions{
				Credentials: credentials.NewStaticCredentialsProvider(tn.id, tn.secret, ""),
				Endpoint:    a.URL,
			},
			VaultToken:     tn.token,
			VaultAddresses: vaults,
		}})
		for i, r := range []encrypt.Recipients{{AWSKMS: []string{tn.arn}}, {HCVault: []string{tn.vault + "/v1/transit/keys/app"}}} {
			plain := fmt.Sprintf("owner: %s\nfile: %d\n", tn.name, i)
			enc, err := tn.eng.Encrypt(ctx, []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &r})
			if err != nil {
				t.Fatalf("%s encrypt: %v", tn.name, err)
			}
			tn.files = append(tn.files, enc)
			tn.plain = append(tn.plain, plain)
		}
	}

	var wg sync.WaitGroup
	for i, tn := range tenants {
		other := tenants[1-i]
		for range 8 {
			wg.Go(func() {
				for j, f := range tn.files {
					got, err := tn.eng.Decrypt(ctx, f, encrypt.FormatYAML)
					if err != nil || string(got) != tn.plain[j] {
						t.Errorf("%s, own file %d: %v", tn.name, j, err)
					}
				}
				for j, f := range other.files {
					_, err := tn.eng.Decrypt(ctx, f, encrypt.FormatYAML)
					want := "the AWS credentials are not allowed to use the key " + other.arn
					if j == 1 {
						want = "Vault refused the token from Keys.VaultToken"
					}
					if !errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), want) {
						t.Errorf("%s, %s's file %d: %v", tn.name, other.name, j, err)
						continue
					}
					for _, s := range []string{tn.id, tn.secret, tn.token, other.id, other.secret, other.token} {
						if strings.Contains(err.Error(), s) {
							t.Errorf("a credential in the message: %v", err)
						}
					}
				}
				noCredentialsInEnv("during")
			})
		}
	}
	wg.Wait()
	noCredentialsInEnv("after")
	for _, tn := range tenants {
		if n := a.Calls("Decrypt", tn.arn); n != 8 {
			t.Errorf("%s's key: %d Decrypt calls by its owner, want 8", tn.name, n)
		}
	}
	if a.Denied() != 16 {
		t.Errorf("%d requests denied, want 16", a.Denied())
	}
}

// TestNoEnvironmentUsesNoAmbientCredentials: under Keys.NoEnvironment a key
// type without its Keys field is refused, naming the field, even though
// the environment holds working credentials (a valid VAULT_TOKEN, AWS
// keys) or would let sops look (GnuPG home, GCP default credentials); no
// request reaches the servers.
func TestNoEnvironmentUsesNoAmbientCredentials(t *testing.T) {
	testenv.Isolate(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	v, addr := startTransit(t, "") // VAULT_ADDR and a valid VAULT_TOKEN
	a := fakekms.StartAWS(t)
	arn, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	a.AddUser("app", awsKeyID, awsSecret, arn)
	t.Setenv("AWS_ENDPOINT_URL_KMS", a.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", awsKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsSecret)
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true, VaultAddresses: []string{addr}}})
	for _, c := range []struct {
		r    encrypt.Recipients
		want string
	}{
		{encrypt.Recipients{HCVault: []string{addr + "/v1/transit/keys/app"}}, "no Vault credentials given: Keys.NoEnvironment is set, so the environment's (VAULT_TOKEN, ~/.vault-token) are not used; pass them in Keys.VaultToken"},
		{encrypt.Recipients{AWSKMS: []string{arn}}, "pass them in Keys.AWSKMS.Credentials"},
		{encrypt.Recipients{PGP: []string{"FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4"}}, "pass them in Keys.GnuPGHome"},
		{encrypt.Recipients{GCPKMS: []string{"projects/p/locations/global/keyRings/r/cryptoKeys/k"}}, "pass them in Keys.GCPKMS"},
		{encrypt.Recipients{AzureKV: []string{"https://v.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef"}}, "pass them in Keys.AzureKeyVault.Credential"},
	} {
		_, err := eng.Encrypt(context.Background(), []byte("a: b\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &c.r})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), vaultToken) || strings.Contains(err.Error(), awsSecret) {
			t.Fatalf("%v: %v", c.r, err)
		}
	}
	// GCP options without credentials do not count as given.
	empty := encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true, GCPKMS: &encrypt.GCPKMSOptions{}}})
	if _, err := empty.Encrypt(context.Background(), []byte("a: b\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{GCPKMS: []string{"projects/p/locations/global/keyRings/r/cryptoKeys/k"}}}); err == nil || !strings.Contains(err.Error(), "pass them in Keys.GCPKMS") {
		t.Fatalf("empty GCPKMS options: %v", err)
	}
	if v.TransitCalls("encrypt", "", "transit", "app") != 0 || a.Calls("Encrypt", arn) != 0 || a.Denied() != 0 {
		t.Fatal("a request reached a server")
	}
	// The same engine with the credentials in Keys works.
	eng = encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true, VaultAddresses: []string{addr}, VaultToken: vaultToken}})
	if _, err := eng.Encrypt(context.Background(), []byte("a: b\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{HCVault: []string{addr + "/v1/transit/keys/app"}}}); err != nil {
		t.Fatal(err)
	}
}
