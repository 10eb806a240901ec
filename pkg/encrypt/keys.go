package encrypt

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"filippo.io/age"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
)

// Keys are the private keys and credentials the engine may use to decrypt
// data keys (and the KMS credentials it may use to encrypt them). The zero
// value means: find keys where the sops CLI finds them (SOPS_AGE_KEY,
// SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, SSH keys, the user's
// sops/age/keys.txt, GNUPGHOME or ~/.gnupg, GOOGLE_* credentials), so
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
	// may use (scheme://host[:port]), in addition to VAULT_ADDR and
	// HELM_SECRETS_VAULT_ALLOWLIST. A file naming any other address is
	// refused with ErrVaultNotAllowed before any request is made.
	VaultAddresses []string
	// NoEnvironment stops the engine from looking for age identities in the
	// environment and home directory: only AgeIdentities are used, and an
	// empty list fails instead of silently falling back.
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
	var ids []age.Identity
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		for _, word := range strings.Fields(sc.Text()) {
			if strings.HasPrefix(word, "#") {
				break
			}
			var (
				id  age.Identity
				err error
			)
			switch {
			case strings.HasPrefix(word, "AGE-SECRET-KEY-PQ-1"):
				id, err = age.ParseHybridIdentity(word)
			case strings.HasPrefix(word, "AGE-SECRET-KEY-1"):
				id, err = age.ParseX25519Identity(word)
			default:
				err = errors.New("not an age secret key")
			}
			if err != nil {
				return nil, fmt.Errorf("age identity on line %d: malformed secret key", line)
			}
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading age identities: %w", err)
	}
	return ids, nil
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
	s.once.Do(func() { s.ids = loadSimpleAgeIdentities() })
	return s.ids
}

func loadSimpleAgeIdentities() []age.Identity {
	for _, v := range []string{"SOPS_AGE_KEY_CMD", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_CMD"} {
		if _, ok := os.LookupEnv(v); ok {
			return nil
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		for _, f := range []string{"id_ed25519", "id_rsa"} {
			if _, err := os.Stat(filepath.Join(home, ".ssh", f)); err == nil {
				return nil
			}
		}
	}
	var texts []string
	if v, ok := os.LookupEnv("SOPS_AGE_KEY"); ok {
		texts = append(texts, v)
	}
	if p, ok := os.LookupEnv("SOPS_AGE_KEY_FILE"); ok {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		texts = append(texts, string(b))
	}
	if dir, err := userConfigDir(); err == nil {
		if b, err := os.ReadFile(filepath.Join(dir, "sops", "age", "keys.txt")); err == nil {
			texts = append(texts, string(b))
		}
	}
	var ids []age.Identity
	for _, t := range texts {
		parsed, err := ParseAgeIdentities(t)
		if err != nil {
			return nil // let sops report the problem in its own words
		}
		ids = append(ids, parsed...)
	}
	return ids
}

// userConfigDir mirrors sops: XDG_CONFIG_HOME wins on macOS too.
func userConfigDir() (string, error) {
	if runtime.GOOS == "darwin" {
		if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
			return d, nil
		}
	}
	return os.UserConfigDir()
}
