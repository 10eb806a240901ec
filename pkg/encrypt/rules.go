package encrypt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"
	"github.com/helm-secrets/helm-secrets/internal/foundation/commalist"
)

// Recipients say who can decrypt a file and which values are encrypted:
// the same settings as a .sops.yaml creation rule.
type Recipients struct {
	Age       []string // age public keys (age1...) or SSH public keys
	PGP       []string // PGP fingerprints
	GCPKMS    []string // projects/P/locations/L/keyRings/R/cryptoKeys/K
	AWSKMS    []string // key ARNs
	AzureKV   []string // https://VAULT.vault.azure.net/keys/NAME/VERSION
	HCVault   []string // https://vault:8200/v1/transit/keys/NAME
	Threshold int      // Shamir threshold when there are several key groups (0: all)

	// KeyGroups, when set, replaces the flat lists above with explicit
	// Shamir key groups (as loaded from .sops.yaml key_groups).
	KeyGroups []sops.KeyGroup

	// At most one of the selectors may be set. With none, every value is
	// encrypted except keys ending in "_unencrypted" (sops' default).
	UnencryptedSuffix       string
	EncryptedSuffix         string
	UnencryptedRegex        string
	EncryptedRegex          string
	UnencryptedCommentRegex string
	EncryptedCommentRegex   string
	MACOnlyEncrypted        bool
}

func (r *Recipients) keyGroups() ([]sops.KeyGroup, error) {
	if len(r.KeyGroups) > 0 {
		return r.KeyGroups, nil
	}
	var g sops.KeyGroup
	for _, a := range r.Age {
		mks, err := sopsage.MasterKeysFromRecipients(a)
		if err != nil {
			return nil, fmt.Errorf("age recipient %q: %w", a, err)
		}
		for _, k := range mks {
			g = append(g, k)
		}
	}
	for _, fp := range r.PGP {
		g = append(g, pgp.NewMasterKeyFromFingerprint(fp))
	}
	for _, id := range r.GCPKMS {
		g = append(g, gcpkms.NewMasterKeyFromResourceID(id))
	}
	for _, arn := range r.AWSKMS {
		for _, k := range kms.MasterKeysFromArnString(arn, nil, "") {
			g = append(g, k)
		}
	}
	for _, u := range r.AzureKV {
		ks, err := azkv.MasterKeysFromURLs(u)
		if err != nil {
			return nil, fmt.Errorf("azure key vault %q: %w", u, err)
		}
		for _, k := range ks {
			g = append(g, k)
		}
	}
	for _, u := range r.HCVault {
		ks, err := hcvault.NewMasterKeysFromURIs(u)
		if err != nil {
			return nil, fmt.Errorf("vault transit %q: %w", u, err)
		}
		for _, k := range ks {
			g = append(g, k)
		}
	}
	if len(g) == 0 {
		return nil, nil
	}
	return []sops.KeyGroup{g}, nil
}

// metadata builds sops metadata for new files, applying sops' defaults.
func (r *Recipients) metadata(singleValue bool) (sops.Metadata, error) {
	groups, err := r.keyGroups()
	if err != nil {
		return sops.Metadata{}, err
	}
	if len(groups) == 0 {
		return sops.Metadata{}, ErrNoRecipients
	}
	m := sops.Metadata{
		KeyGroups:               groups,
		ShamirThreshold:         r.Threshold,
		UnencryptedSuffix:       r.UnencryptedSuffix,
		EncryptedSuffix:         r.EncryptedSuffix,
		UnencryptedRegex:        r.UnencryptedRegex,
		EncryptedRegex:          r.EncryptedRegex,
		UnencryptedCommentRegex: r.UnencryptedCommentRegex,
		EncryptedCommentRegex:   r.EncryptedCommentRegex,
		MACOnlyEncrypted:        r.MACOnlyEncrypted,
		Version:                 SopsVersion,
	}
	if singleValue {
		// The binary store has one key that must always be encrypted.
		m.UnencryptedSuffix, m.EncryptedSuffix, m.UnencryptedRegex, m.EncryptedRegex = "", "", "", ""
		m.UnencryptedCommentRegex, m.EncryptedCommentRegex, m.MACOnlyEncrypted = "", "", false
		return m, nil
	}
	n := 0
	for _, s := range []string{m.UnencryptedSuffix, m.EncryptedSuffix, m.UnencryptedRegex, m.EncryptedRegex, m.UnencryptedCommentRegex, m.EncryptedCommentRegex} {
		if s != "" {
			n++
		}
	}
	switch {
	case n > 1:
		return m, errors.New("cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, unencrypted_comment_regex")
	case n == 0:
		// Without this the MAC would not verify with the sops CLI.
		m.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	return m, nil
}

// RecipientsForFile returns the recipients for a new file at path: the
// first matching creation rule of the .sops.yaml found from the file's
// directory upwards (then from the working directory), else the SOPS_*
// recipient variables the sops CLI reads (SOPS_AGE_RECIPIENTS, SOPS_PGP_FP,
// SOPS_GCP_KMS_IDS, SOPS_KMS_ARN, SOPS_AZURE_KEYVAULT_URLS,
// SOPS_VAULT_URIS). It returns ErrNoRecipients when neither gives any.
func RecipientsForFile(path string) (*Recipients, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if conf := configFileFor(path); conf != "" {
		if err := checkConfigFile(conf); err != nil {
			return nil, err
		}
		c, err := config.LoadCreationRuleForFile(conf, abs, nil)
		if err != nil {
			if strings.Contains(err.Error(), "no matching creation rules") {
				return nil, fmt.Errorf("%w (%s has no creation rule for %s)", ErrNoCreationRule, conf, path)
			}
			return nil, fmt.Errorf("%s: %w", conf, err)
		}
		if c != nil {
			return &Recipients{
				KeyGroups:               c.KeyGroups,
				Threshold:               c.ShamirThreshold,
				UnencryptedSuffix:       c.UnencryptedSuffix,
				EncryptedSuffix:         c.EncryptedSuffix,
				UnencryptedRegex:        c.UnencryptedRegex,
				EncryptedRegex:          c.EncryptedRegex,
				UnencryptedCommentRegex: c.UnencryptedCommentRegex,
				EncryptedCommentRegex:   c.EncryptedCommentRegex,
				MACOnlyEncrypted:        c.MACOnlyEncrypted,
			}, nil
		}
	}
	r := &Recipients{
		Age:     commalist.Split(os.Getenv("SOPS_AGE_RECIPIENTS")),
		PGP:     commalist.Split(os.Getenv("SOPS_PGP_FP")),
		GCPKMS:  commalist.Split(os.Getenv("SOPS_GCP_KMS_IDS")),
		AWSKMS:  commalist.Split(os.Getenv("SOPS_KMS_ARN")),
		AzureKV: commalist.Split(os.Getenv("SOPS_AZURE_KEYVAULT_URLS")),
		HCVault: commalist.Split(os.Getenv("SOPS_VAULT_URIS")),
	}
	if g, err := r.keyGroups(); err != nil {
		return nil, err
	} else if len(g) == 0 {
		return nil, fmt.Errorf("%w (for %s)", ErrNoRecipients, path)
	}
	return r, nil
}

// keyGroupsForFile returns the key groups of the creation rule for path,
// for UpdateKeys.
func keyGroupsForFile(path string) ([]sops.KeyGroup, int, error) {
	r, err := RecipientsForFile(path)
	if err != nil {
		return nil, 0, err
	}
	g, err := r.keyGroups()
	return g, r.Threshold, err
}

// MasterKeys lists the master keys of an encrypted document, per key
// group, as "type identifier" strings (public identifiers only, as
// `updatekeys` reports them), and its Shamir threshold. It needs no key
// and reads no .sops.yaml: store settings only change how documents are
// written.
func MasterKeys(data []byte, format Format) (groups [][]string, threshold int, err error) {
	m, err := Inspect(data, format)
	if err != nil {
		return nil, 0, err
	}
	return m.KeyGroups, m.Threshold, nil
}
