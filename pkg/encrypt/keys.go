package encrypt

import (
	"sync"

	"filippo.io/age"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"

	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
)

// Keys are the private keys and credentials the engine may use to decrypt
// data keys (and the KMS credentials it may use to encrypt them). The zero
// value means: find keys where the sops CLI finds them (SOPS_AGE_KEY,
// SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, SSH keys, the user's
// sops/age/keys.txt, GNUPGHOME or ~/.gnupg, GOOGLE_* and AZURE_* credentials), so
// existing setups work unchanged.
type Keys struct {
	// AgeIdentities, when non-empty, are the only age identities used.
	AgeIdentities []age.Identity
	// GnuPGHome is the GnuPG home directory holding PGP private keys
	// (default: $GNUPGHOME, else ~/.gnupg).
	GnuPGHome string
	// GCPKMS configures the Google Cloud KMS client; nil means the
	// environment's application default credentials.
	GCPKMS *GCPKMSOptions
	// VaultAddresses are the HashiCorp Vault addresses hc_vault master keys
	// may use (scheme://host[:port]), in addition to VAULT_ADDR (unless
	// NoEnvironment). A file naming any other address is
	// refused with ErrVaultNotAllowed before any request is made.
	VaultAddresses []string
	// AgePlugins are the age plugin names (age1NAME1… recipients) a file's
	// metadata may name when its data key is re-wrapped (rotate); wrapping
	// runs age-plugin-NAME. Others are refused with ErrAgePluginNotAllowed.
	AgePlugins []string
	// AzureKeyVault configures the Azure Key Vault client for
	// azure_keyvault master keys; nil means the environment's credential
	// (as the sops CLI). A key URL without a version (in .sops.yaml or
	// Recipients) is resolved by sops with the environment's credential:
	// give the version when the credential is injected.
	AzureKeyVault *AzureKeyVaultOptions

	// AWSKMS configures the AWS client of kms master keys (per-call
	// credentials, endpoint); nil means the environment's, as for sops.
	AWSKMS *AWSKMSOptions
	// VaultToken, when set, is the Vault token of hc_vault master keys,
	// instead of VAULT_TOKEN or ~/.vault-token. The address must still be
	// allowed (VaultAddresses).
	VaultToken string
	// NoEnvironment means no ambient credential of any kind is used: no
	// age identities or PGP keys from the environment or home directory,
	// and no credentials from environment variables, shared files or
	// instance metadata for any key service. Only the keys and credentials
	// in these fields are used (AgeIdentities, GnuPGHome, GCPKMS, AWSKMS
	// with Credentials, VaultToken, AzureKeyVault with a Credential); a
	// master key whose type has none fails with a message naming the field
	// instead of silently falling back. Key types without a field here
	// (HuaweiCloud KMS) are refused. Non-credential settings the cloud SDKs read from the
	// environment (such as AWS_ENDPOINT_URL_KMS or VAULT_NAMESPACE) still
	// apply; pin them with the options' own fields.
	NoEnvironment bool
}

// GCPKMSOptions configure the Google Cloud KMS client used for gcp_kms
// master keys. The first non-empty of TokenSource and CredentialsJSON is used
// for authentication; ClientOptions and DialOptions are passed to the client.
type GCPKMSOptions struct {
	TokenSource     oauth2.TokenSource
	CredentialsJSON []byte
	ClientOptions   []option.ClientOption
	DialOptions     []grpc.DialOption
}

// ParseAgeIdentities parses age identities from text in the format of
// age-keygen output and SOPS_AGE_KEY: one identity per line, blank lines and
// lines starting with '#' ignored. The error never contains key material.
func ParseAgeIdentities(text string) ([]age.Identity, error) {
	return sopslite.ParseIdentities(text)
}

// ageIdentitySource loads the environment's age identities once per engine,
// so that decrypting N files does not re-read and re-parse key files N
// times. It handles the plain cases itself (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
// <config dir>/sops/age/keys.txt); when the environment uses anything else
// (a key command, SSH keys, plugin or passphrase-protected identities) it
// returns nil so that sops does its own lookup with its own semantics.
type ageIdentitySource struct {
	once sync.Once
	ids  []age.Identity
}

func (s *ageIdentitySource) get() []age.Identity {
	s.once.Do(func() { s.ids = sopslite.EnvIdentities() })
	return s.ids
}
