package encrypt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/pgp"

	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
)

// keyServer is a sops key service that applies the engine's keys to each
// request. age, PGP, GCP KMS, AWS KMS and Azure Key Vault keys are handled
// here with injected keys and the caller's context, HashiCorp Vault keys too
// when a token is given; every other key type (HuaweiCloud KMS) goes to
// sops' own local server, which reads its credentials from the environment
// as the sops CLI does (refused under Keys.NoEnvironment).
type keyServer struct {
	ctx     context.Context
	age     []sopsage.ParsedIdentities // nil: sops' own lookup
	ageOnly bool                       // NoEnvironment: fail rather than look up
	gnupg   string
	gcp     *GCPKMSOptions
	gcpKMS  *gcpKMS  // the engine's shared client, for decryption
	vault   []string // allowed Vault addresses

	azure    *AzureKeyVaultOptions
	azureEnv *azureCredential // the engine's shared environment credential
	// Per-call credentials of the remote key services (Keys).
	aws        *AWSKMSOptions
	vaultToken string
}

var errNoAgeIdentity = errors.New("no age identity configured")

func (e *Engine) keyServices(ctx context.Context) []keyservice.KeyServiceClient {
	ks := &keyServer{ctx: ctx, gnupg: e.opts.Keys.GnuPGHome, gcp: e.opts.Keys.GCPKMS, gcpKMS: &e.gcp, ageOnly: e.opts.Keys.NoEnvironment,
		vault: allowedVaultAddresses(e.opts.Keys)}
	ks.azure, ks.azureEnv = e.opts.Keys.AzureKeyVault, &e.azure
	ks.aws, ks.vaultToken = e.opts.Keys.AWSKMS, e.opts.Keys.VaultToken
	ids := e.opts.Keys.AgeIdentities
	if len(ids) == 0 && !e.opts.Keys.NoEnvironment {
		ids = e.envAge.get()
	}
	if len(ids) > 0 {
		ks.age = []sopsage.ParsedIdentities{ids}
	}
	return []keyservice.KeyServiceClient{keyservice.NewCustomLocalClient(ks)}
}

func (s *keyServer) gcpKey(resourceID string) *gcpkms.MasterKey {
	k := gcpkms.NewMasterKeyFromResourceID(resourceID)
	if o := s.gcp; o != nil {
		switch {
		case o.TokenSource != nil:
			gcpkms.NewTokenSource(o.TokenSource).ApplyToMasterKey(k)
		case o.CredentialsJSON != nil:
			gcpkms.CredentialJSON(o.CredentialsJSON).ApplyToMasterKey(k)
		}
		if len(o.ClientOptions) > 0 {
			gcpkms.ClientOptions(o.ClientOptions).ApplyToMasterKey(k)
		}
		if len(o.DialOptions) > 0 {
			gcpkms.DialOptions(o.DialOptions).ApplyToMasterKey(k)
		}
	}
	return k
}

func (s *keyServer) ageKey(recipient string) (*sopsage.MasterKey, error) {
	k := &sopsage.MasterKey{Recipient: recipient}
	if len(s.age) > 0 {
		s.age[0].ApplyToMasterKey(k)
	} else if s.ageOnly {
		return nil, errNoAgeIdentity
	}
	return k, nil
}

// errAgeLabel: an age entry's recipient label is none of our identities'
// recipients. Labels are not covered by the MAC; an honest file's label is
// the recipient of the identity that opens it, so a mismatch is a changed
// label (and rotate would wrap the next data key for it).
var errAgeLabel = errors.New("the file labels this age key with a recipient that none of the available identities has (was the label changed?)")

// checkAgeLabel refuses an age entry whose label is not the recipient of
// one of the configured identities, when every identity's recipient is
// known (X25519, hybrid); with sops' own lookup it checks nothing.
func (s *keyServer) checkAgeLabel(recipient string) error {
	if len(s.age) == 0 {
		return nil
	}
	ours, checkable := sopslite.Recipients(s.age[0])
	if checkable && !ours.Has(recipient) {
		return errAgeLabel
	}
	return nil
}

func (s *keyServer) pgpKey(fingerprint string) (*pgp.MasterKey, error) {
	k := pgp.NewMasterKeyFromFingerprint(fingerprint)
	if s.gnupg != "" {
		pgp.GnuPGHome(s.gnupg).ApplyToMasterKey(k)
	} else if s.ageOnly {
		return nil, errNoEnvironment("PGP", "Keys.GnuPGHome", "GNUPGHOME, ~/.gnupg")
	}
	return k, nil
}

// errNoEnvironment: a key type has no per-call credential while
// Keys.NoEnvironment forbids the environment's.
func errNoEnvironment(service, field, env string) error {
	return fmt.Errorf("no %s credentials given: Keys.NoEnvironment is set, so the environment's (%s) are not used; pass them in %s", service, env, field)
}

// errNoPerCall: a key type whose credentials cannot be given in Keys,
// under Keys.NoEnvironment.
func errNoPerCall(k *keyservice.Key) error {
	return fmt.Errorf("%s: its credentials cannot be given in Keys, and Keys.NoEnvironment forbids the environment's", describeKey(k))
}

// hasCredentials: the options carry credentials (a token source, a
// credentials JSON, or client options, which may).
func (o *GCPKMSOptions) hasCredentials() bool {
	return o != nil && (o.TokenSource != nil || o.CredentialsJSON != nil || len(o.ClientOptions) > 0)
}

// Encrypt implements keyservice.KeyServiceServer.
func (s *keyServer) Encrypt(ctx context.Context, req *keyservice.EncryptRequest) (*keyservice.EncryptResponse, error) {
	var (
		out []byte
		err error
	)
	switch k := req.Key.KeyType.(type) {
	case *keyservice.Key_AgeKey:
		// Encrypting to a recipient needs no identity.
		mk := &sopsage.MasterKey{Recipient: k.AgeKey.Recipient}
		if err = mk.Encrypt(req.Plaintext); err == nil {
			out = mk.EncryptedDataKey()
		}
	case *keyservice.Key_PgpKey:
		var mk *pgp.MasterKey
		if mk, err = s.pgpKey(k.PgpKey.Fingerprint); err == nil {
			if err = mk.EncryptContext(s.ctx, req.Plaintext); err == nil {
				out = mk.EncryptedDataKey()
			}
		}
	case *keyservice.Key_GcpKmsKey:
		if s.ageOnly && !s.gcp.hasCredentials() {
			return nil, errNoEnvironment("GCP KMS", "Keys.GCPKMS", "GOOGLE_* variables, application default credentials, metadata")
		}
		mk := s.gcpKey(k.GcpKmsKey.ResourceId)
		if err = mk.EncryptContext(s.ctx, req.Plaintext); err == nil {
			out = mk.EncryptedDataKey()
		}
	case *keyservice.Key_AzureKeyvaultKey:
		out, err = s.azureEncrypt(k.AzureKeyvaultKey, req.Plaintext)
	case *keyservice.Key_KmsKey:
		out, err = s.kmsEncrypt(s.ctx, k.KmsKey, req.Plaintext)
	case *keyservice.Key_VaultKey:
		if err := s.checkVault(k.VaultKey.VaultAddress); err != nil {
			return nil, err
		}
		if s.vaultToken != "" || s.ageOnly {
			out, err = s.vaultEncrypt(k.VaultKey, req.Plaintext)
			break
		}
		resp, err := sopsServer().Encrypt(ctx, req)
		return noted(s, false, req.Key, resp, vaultHint(err))
	default:
		if s.ageOnly {
			return nil, errNoPerCall(req.Key)
		}
		resp, err := sopsServer().Encrypt(ctx, req)
		return noted(s, false, req.Key, resp, err)
	}
	if err != nil {
		return nil, err
	}
	recordOf(s.ctx).note(false, req.Key)
	return &keyservice.EncryptResponse{Ciphertext: out}, nil
}

// Decrypt implements keyservice.KeyServiceServer. Within one
// multi-document call a master key unwraps a given ciphertext once
// (unwrapOnce).
func (s *keyServer) Decrypt(ctx context.Context, req *keyservice.DecryptRequest) (*keyservice.DecryptResponse, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	out, err := unwrapOnce(s.ctx, req.Key, req.Ciphertext, func() ([]byte, error) { return s.unwrap(ctx, req) })
	if err != nil {
		return nil, err
	}
	recordOf(s.ctx).note(true, req.Key)
	return &keyservice.DecryptResponse{Plaintext: out}, nil
}

// unwrap decrypts a data key with the request's master key.
func (s *keyServer) unwrap(ctx context.Context, req *keyservice.DecryptRequest) ([]byte, error) {
	switch k := req.Key.KeyType.(type) {
	case *keyservice.Key_AgeKey:
		if err := s.checkAgeLabel(k.AgeKey.Recipient); err != nil {
			return nil, err
		}
		mk, err := s.ageKey(k.AgeKey.Recipient)
		if err != nil {
			return nil, err
		}
		mk.EncryptedKey = string(req.Ciphertext)
		return mk.Decrypt()
	case *keyservice.Key_PgpKey:
		mk, err := s.pgpKey(k.PgpKey.Fingerprint)
		if err != nil {
			return nil, err
		}
		mk.EncryptedKey = string(req.Ciphertext)
		return mk.DecryptContext(s.ctx)
	case *keyservice.Key_GcpKmsKey:
		if s.ageOnly && !s.gcp.hasCredentials() {
			return nil, errNoEnvironment("GCP KMS", "Keys.GCPKMS", "GOOGLE_* variables, application default credentials, metadata")
		}
		return s.gcpKMS.decrypt(s.ctx, s.gcp, k.GcpKmsKey.ResourceId, req.Ciphertext)
	case *keyservice.Key_AzureKeyvaultKey:
		return s.azureDecrypt(k.AzureKeyvaultKey, req.Ciphertext)
	case *keyservice.Key_KmsKey:
		return s.kmsDecrypt(s.ctx, k.KmsKey, req.Ciphertext)
	case *keyservice.Key_VaultKey:
		if err := s.checkVault(k.VaultKey.VaultAddress); err != nil {
			return nil, err
		}
		if s.vaultToken != "" || s.ageOnly {
			return s.vaultDecrypt(k.VaultKey, req.Ciphertext)
		}
		resp, err := sopsServer().Decrypt(ctx, req)
		if err != nil {
			return nil, vaultHint(err)
		}
		return resp.Plaintext, nil
	default:
		if s.ageOnly {
			return nil, errNoPerCall(req.Key)
		}
		resp, err := sopsServer().Decrypt(ctx, req)
		if err != nil {
			return nil, err
		}
		return resp.Plaintext, nil
	}
}

// vaultKey is sops' Vault transit master key with the engine's token
// (Keys.VaultToken); under NoEnvironment without one it is refused (sops
// would read VAULT_TOKEN or ~/.vault-token).
func (s *keyServer) vaultKey(k *keyservice.VaultKey) (*hcvault.MasterKey, error) {
	if s.vaultToken == "" {
		return nil, errNoEnvironment("Vault", "Keys.VaultToken", "VAULT_TOKEN, ~/.vault-token")
	}
	mk := hcvault.NewMasterKey(k.VaultAddress, k.EnginePath, k.KeyName)
	hcvault.Token(s.vaultToken).ApplyToMasterKey(mk)
	return mk, nil
}

func (s *keyServer) vaultEncrypt(k *keyservice.VaultKey, plain []byte) ([]byte, error) {
	mk, err := s.vaultKey(k)
	if err != nil {
		return nil, err
	}
	if err := mk.EncryptContext(s.ctx, plain); err != nil {
		return nil, vaultTokenHint(err)
	}
	return mk.EncryptedDataKey(), nil
}

func (s *keyServer) vaultDecrypt(k *keyservice.VaultKey, ciphertext []byte) ([]byte, error) {
	mk, err := s.vaultKey(k)
	if err != nil {
		return nil, err
	}
	mk.EncryptedKey = string(ciphertext)
	out, err := mk.DecryptContext(s.ctx)
	if err != nil {
		return nil, vaultTokenHint(err)
	}
	return out, nil
}

// vaultTokenHint is vaultHint for a token given in Keys.VaultToken.
func vaultTokenHint(err error) error {
	if strings.Contains(err.Error(), "Code: 403") {
		return fmt.Errorf("%w (Vault refused the token from Keys.VaultToken)", err)
	}
	return err
}

// noted passes on sops' own key service response, noting the key in the
// context's KeyRecord when it succeeded.
func noted[T any](s *keyServer, unwrap bool, k *keyservice.Key, resp T, err error) (T, error) {
	if err == nil {
		recordOf(s.ctx).note(unwrap, k)
	}
	return resp, err
}

func sopsServer() keyservice.Server { return keyservice.Server{Prompt: false} }

// ErrVaultNotAllowed means a file's hc_vault master key names a Vault
// address that is not allowed. The address comes from the (untrusted) file,
// and sops would send the user's VAULT_TOKEN to it.
var ErrVaultNotAllowed = errors.New("vault address not allowed")

// allowedVaultAddresses: Keys.VaultAddresses and VAULT_ADDR, normalised to
// scheme://host[:port].
func allowedVaultAddresses(k Keys) []string {
	var out []string
	add := func(a string) {
		if n := normalizeVaultAddr(a); n != "" {
			out = append(out, n)
		}
	}
	for _, a := range k.VaultAddresses {
		add(a)
	}
	if !k.NoEnvironment {
		add(os.Getenv("VAULT_ADDR"))
	}
	return out
}

func normalizeVaultAddr(a string) string {
	u, err := url.Parse(strings.TrimSpace(a))
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// vaultHint adds to a failed Vault transit request what to check: that a
// token was found at all, or that the one found was refused. The token
// itself is never part of a message.
func vaultHint(err error) error {
	if err == nil {
		return nil
	}
	if os.Getenv("VAULT_TOKEN") == "" && !vaultTokenFile() {
		return fmt.Errorf("%w (no Vault token: VAULT_TOKEN is unset and there is no ~/.vault-token)", err)
	}
	if strings.Contains(err.Error(), "Code: 403") {
		return fmt.Errorf("%w (Vault refused the token from VAULT_TOKEN or ~/.vault-token; with namespaces check VAULT_NAMESPACE)", err)
	}
	return err
}

// vaultTokenFile reports whether ~/.vault-token exists (where sops and the
// vault CLI keep a token).
func vaultTokenFile() bool {
	home, err := os.UserHomeDir()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(home, ".vault-token"))
	return err == nil
}

func (s *keyServer) checkVault(addr string) error {
	n := normalizeVaultAddr(addr)
	for _, a := range s.vault {
		if n != "" && a == n {
			return nil
		}
	}
	return fmt.Errorf("%w: the file's hc_vault key points at %s; allow it with VAULT_ADDR or Keys.VaultAddresses (helm secrets: HELM_SECRETS_VAULT_ALLOWLIST) (the address comes from the file, and your Vault token would be sent there)", ErrVaultNotAllowed, addr)
}
