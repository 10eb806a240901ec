package fakekms

import (
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"

	"context"
	"crypto/tls"
	"net"
	"os"
	"testing"

	"cloud.google.com/go/auth"
	kms "cloud.google.com/go/kms/apiv1"
	"github.com/getsops/sops/v3/gcpkms"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/oauth"
)

const defaultUniverseDomain = "googleapis.com"

// MasterKeyOption is implemented by sops' per-key GCP KMS options
// (gcpkms.TokenSource, gcpkms.ClientOptions, gcpkms.DialOptions, ...).
type MasterKeyOption interface {
	ApplyToMasterKey(key *gcpkms.MasterKey)
}

// GRPCDialOptions returns dial options for a raw *grpc.ClientConn to the
// server (e.g. with kmspb.NewKeyManagementServiceClient): TLS trusting the
// server's certificate, a dialer that always connects to [Server.Addr]
// whatever the target, and the bearer token. Use any target, e.g.
// grpc.NewClient("passthrough:///fakekms", s.GRPCDialOptions()...).
func (s *Server) GRPCDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		s.transportCreds(),
		s.dialer(),
		grpc.WithPerRPCCredentials(oauth.TokenSource{TokenSource: s.tokenSource()}),
	}
}

// ClientOptions returns the options that make kms.NewKeyManagementClient
// (gRPC) talk to the server, whatever GOOGLE_* variables are set.
// A new client (and connection) can be made with them any number of times.
func (s *Server) ClientOptions() []option.ClientOption {
	return s.clientOptions(func() string { return defaultUniverseDomain })
}

// NewClient returns a real gRPC KMS client connected to the server. Close it.
func (s *Server) NewClient(ctx context.Context) (*kms.KeyManagementClient, error) {
	return kms.NewKeyManagementClient(ctx, s.ClientOptions()...)
}

// SOPSOptions returns the per-key options that make sops'
// gcpkms.MasterKey Encrypt/Decrypt reach the server: a gcpkms.TokenSource
// (which stops sops from reading GOOGLE_CREDENTIALS and
// GOOGLE_OAUTH_ACCESS_TOKEN) and one gcpkms.ClientOptions (endpoint, TLS,
// dialer, credentials). Apply all of them, after any other
// gcpkms.ClientOptions/TokenSource/CredentialJSON: each ApplyToMasterKey
// replaces the previous value of its kind. sops creates and closes a client
// per operation; these options dial a fresh connection each time.
//
// Works with any GOOGLE_* variable set, with SOPS_GCP_KMS_ENDPOINT (the
// dialer ignores the target) and SOPS_GCP_KMS_UNIVERSE_DOMAIN; it cannot work
// with SOPS_GCP_KMS_CLIENT_TYPE=rest or gcpkms.UseRESTClient (the fake speaks
// gRPC only): use [ClearSOPSEnv] in tests.
func (s *Server) SOPSOptions() []MasterKeyOption {
	return []MasterKeyOption{
		gcpkms.NewTokenSource(s.tokenSource()),
		gcpkms.ClientOptions(s.clientOptions(sopsUniverseDomain)),
	}
}

// ApplyToMasterKey applies [Server.SOPSOptions] to key, so the server can
// be passed where sops-style key options are expected.
func (s *Server) ApplyToMasterKey(key *gcpkms.MasterKey) {
	for _, o := range s.SOPSOptions() {
		o.ApplyToMasterKey(key)
	}
}

// NewMasterKey returns gcpkms.NewMasterKeyFromResourceID(resourceID) with
// [Server.SOPSOptions] applied.
func (s *Server) NewMasterKey(resourceID string) *gcpkms.MasterKey {
	k := gcpkms.NewMasterKeyFromResourceID(resourceID)
	s.ApplyToMasterKey(k)
	return k
}

// ClearSOPSEnv sets SOPS_GCP_KMS_ENDPOINT, SOPS_GCP_KMS_UNIVERSE_DOMAIN and
// SOPS_GCP_KMS_CLIENT_TYPE to "" (which sops treats as unset) for the
// duration of the test. Like tb.Setenv it cannot be used in parallel tests.
func ClearSOPSEnv(tb testing.TB) {
	tb.Helper()
	for _, k := range []string{gcpkms.SopsGCPKMSEndpointEnv, gcpkms.SopsGCPKMSUniverseDomainEnv, gcpkms.SopsGCPKMSClientTypeEnv} {
		tb.Setenv(k, "")
	}
}

func (s *Server) tokenSource() oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: s.token, TokenType: "Bearer"})
}

func (s *Server) transportCreds() grpc.DialOption {
	return grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		RootCAs:    s.certPool,
		ServerName: tlsServerName, // not the target host: the dialer ignores it
		MinVersion: tls.VersionTLS12,
	}))
}

func (s *Server) dialer() grpc.DialOption {
	addr := s.addr
	return grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	})
}

type staticTokenProvider string

func (t staticTokenProvider) Token(context.Context) (*auth.Token, error) {
	return &auth.Token{Value: string(t), Type: "Bearer"}, nil
}

// clientOptions builds the client options. universeDomain reports the
// universe domain the client will end up configured with, so that the
// credentials claim the same one (the new auth library refuses to send a
// token whose universe domain differs from the client's).
//
// Why each option:
//   - WithEndpoint: the address (only used for the authority; see dialer).
//   - WithUniverseDomain: pins the client's universe so that
//     GOOGLE_CLOUD_UNIVERSE_DOMAIN cannot cause a mismatch.
//   - WithAuthCredentials: used by the new auth library (the default for
//     the KMS client); not counted as a "credential option", so it coexists
//     with the token source sops adds.
//   - WithTokenSource: used by the old auth library
//     (GOOGLE_API_GO_EXPERIMENTAL_DISABLE_NEW_AUTH_LIB=true), which ignores
//     AuthCredentials.
//   - TLS transport credentials: the old auth library refuses to send a
//     token over an insecure connection; our dial options come after the
//     library's own, so they win over mTLS/S2A/default TLS selection.
//   - dialer: every connection goes to this server, even when
//     SOPS_GCP_KMS_ENDPOINT overrides the endpoint, so the fake token never
//     leaves the process; and each new client gets its own connection.
func (s *Server) clientOptions(universeDomain func() string) []option.ClientOption {
	creds := auth.NewCredentials(&auth.CredentialsOptions{
		TokenProvider: staticTokenProvider(s.token),
		UniverseDomainProvider: auth.CredentialsPropertyFunc(func(context.Context) (string, error) {
			return universeDomain(), nil
		}),
	})
	return []option.ClientOption{
		option.WithEndpoint(s.addr),
		option.WithUniverseDomain(defaultUniverseDomain),
		option.WithAuthCredentials(creds),
		option.WithTokenSource(s.tokenSource()),
		option.WithGRPCDialOption(s.transportCreds()),
		option.WithGRPCDialOption(s.dialer()),
		option.WithTelemetryDisabled(),
	}
}

// sopsUniverseDomain mirrors gcpkms.MasterKey.newKMSClient (sops v3.13.3):
// sops appends option.WithUniverseDomain(SOPS_GCP_KMS_UNIVERSE_DOMAIN) after
// our options unless SOPS_GCP_KMS_ENDPOINT is set.
func sopsUniverseDomain() string {
	if os.Getenv(gcpkms.SopsGCPKMSEndpointEnv) == "" {
		if ud := os.Getenv(gcpkms.SopsGCPKMSUniverseDomainEnv); ud != "" {
			return ud
		}
	}
	return defaultUniverseDomain
}

// EngineOptions returns GCP KMS options for our SOPS engine
// (encrypt.Options.Keys.GCPKMS) that make it talk to the server: the same
// token source and client options as [Server.SOPSOptions].
func (s *Server) EngineOptions() *encrypt.GCPKMSOptions {
	return &encrypt.GCPKMSOptions{
		TokenSource:   s.tokenSource(),
		ClientOptions: s.clientOptions(sopsUniverseDomain),
	}
}
