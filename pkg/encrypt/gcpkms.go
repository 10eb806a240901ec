package encrypt

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	kms "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"github.com/getsops/sops/v3/gcpkms"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
)

// gcpKMS decrypts GCP KMS data keys with one client per engine. sops
// creates, dials and authenticates a new client for every data key, so N
// files cost N connections, N TLS handshakes and N token fetches; one
// client carries all requests of a run (and of a long-lived library
// engine) on one connection. The client is built with the options sops
// would use: injected GCPKMSOptions, else GOOGLE_CREDENTIALS (a file or
// JSON), else GOOGLE_OAUTH_ACCESS_TOKEN, else application default
// credentials; SOPS_GCP_KMS_ENDPOINT, SOPS_GCP_KMS_UNIVERSE_DOMAIN and
// SOPS_GCP_KMS_CLIENT_TYPE=rest are honoured.
type gcpKMS struct {
	mu     sync.Mutex
	client *kms.KeyManagementClient
}

var gcpResourceID = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)

// decrypt mirrors sops' gcpkms.MasterKey.DecryptContext on the shared
// client.
func (g *gcpKMS) decrypt(ctx context.Context, o *GCPKMSOptions, resourceID string, encryptedKey []byte) ([]byte, error) {
	if !gcpResourceID.MatchString(resourceID) {
		return nil, fmt.Errorf("cannot create GCP KMS service: no valid resource ID found in %q", resourceID)
	}
	client, err := g.get(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("cannot create GCP KMS service: %w", err)
	}
	ciphertext, err := base64.StdEncoding.DecodeString(string(encryptedKey))
	if err != nil {
		return nil, err
	}
	resp, err := client.Decrypt(ctx, &kmspb.DecryptRequest{Name: resourceID, Ciphertext: ciphertext})
	if err != nil {
		return nil, fmt.Errorf("failed to decrypt sops data key with GCP KMS key: %w", err)
	}
	return resp.Plaintext, nil
}

// get returns the engine's client, creating it on first use. A failed
// creation is not remembered: the next request tries again.
func (g *gcpKMS) get(ctx context.Context, o *GCPKMSOptions) (*kms.KeyManagementClient, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.client != nil {
		return g.client, nil
	}
	opts, err := gcpClientOptions(o)
	if err != nil {
		return nil, err
	}
	// The client outlives this request: dial without its cancellation.
	ctx = context.WithoutCancel(ctx)
	var client *kms.KeyManagementClient
	if strings.ToLower(os.Getenv(gcpkms.SopsGCPKMSClientTypeEnv)) == "rest" {
		client, err = kms.NewKeyManagementRESTClient(ctx, opts...)
	} else {
		client, err = kms.NewKeyManagementClient(ctx, opts...)
	}
	if err != nil {
		return nil, err
	}
	g.client = client
	return client, nil
}

// gcpClientOptions are the options sops' newKMSClient builds.
func gcpClientOptions(o *GCPKMSOptions) ([]option.ClientOption, error) {
	if o == nil {
		o = &GCPKMSOptions{}
	}
	var opts []option.ClientOption
	switch {
	case o.TokenSource != nil:
		opts = append(opts, option.WithTokenSource(o.TokenSource))
	case o.CredentialsJSON != nil:
		//lint:ignore SA1019 as sops: any credential type (the typed replacement would refuse some that work with sops)
		opts = append(opts, option.WithCredentialsJSON(o.CredentialsJSON))
	default:
		if v := os.Getenv(gcpkms.SopsGoogleCredentialsEnv); v != "" {
			creds := []byte(v)
			if _, err := os.Stat(v); err == nil {
				b, err := os.ReadFile(v) // unbounded: a credentials file named by the user's environment
				if err != nil {
					return nil, fmt.Errorf("credentials: failed to obtain credentials from %q: %w", gcpkms.SopsGoogleCredentialsEnv, err)
				}
				creds = b
			}
			//lint:ignore SA1019 as sops: GOOGLE_CREDENTIALS may hold any credential type
			opts = append(opts, option.WithCredentialsJSON(creds))
		} else if tok := os.Getenv(gcpkms.SopsGoogleCredentialsOAuthTokenEnv); tok != "" {
			opts = append(opts, option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok})))
		}
	}
	for _, d := range o.DialOptions {
		opts = append(opts, option.WithGRPCDialOption(d))
	}
	opts = append(opts, o.ClientOptions...)
	if endpoint := os.Getenv(gcpkms.SopsGCPKMSEndpointEnv); endpoint != "" {
		opts = append(opts, option.WithEndpoint(endpoint))
	} else if ud := os.Getenv(gcpkms.SopsGCPKMSUniverseDomainEnv); ud != "" {
		opts = append(opts, option.WithUniverseDomain(ud))
	}
	return opts, nil
}
