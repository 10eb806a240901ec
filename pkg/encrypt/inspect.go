package encrypt

import (
	"fmt"
	"time"

	"github.com/getsops/sops/v3"
)

// Metadata is what an encrypted document says about itself without any
// key: its master keys per key group (public identifiers, as MasterKeys
// lists them), its Shamir threshold and when its data key last changed.
type Metadata struct {
	KeyGroups    [][]string
	Threshold    int
	LastModified time.Time // sops.lastmodified: set by encrypt, edit and rotate
}

// Inspect parses the sops metadata of an encrypted document: the
// structural check that needs no key. A plain document is ErrNotEncrypted;
// broken metadata is ErrMalformed.
func Inspect(data []byte, format Format) (m Metadata, err error) {
	defer guard("parse", &err)
	tree, _, err := loadEncrypted(data, format, nil)
	if err != nil {
		return Metadata{}, err
	}
	m.KeyGroups = keyStrings(tree.Metadata.KeyGroups)
	m.Threshold = tree.Metadata.ShamirThreshold
	m.LastModified = tree.Metadata.LastModified
	return m, nil
}

// RuleKeyGroups returns the master keys the current .sops.yaml creation
// rule (or the SOPS_* recipient variables) give a file at path, per key
// group, in the form Inspect and MasterKeys use, and the rule's Shamir
// threshold: what UpdateKeysFile would make the file's recipients.
func RuleKeyGroups(path string) (groups [][]string, threshold int, err error) {
	g, threshold, err := keyGroupsForFile(path)
	if err != nil {
		return nil, 0, err
	}
	return keyStrings(g), threshold, nil
}

// keyStrings lists key groups as "type identifier" strings.
func keyStrings(kgs []sops.KeyGroup) [][]string {
	var groups [][]string
	for _, g := range kgs {
		var keys []string
		for _, k := range g {
			keys = append(keys, fmt.Sprintf("%s %s", k.TypeToIdentifier(), k.ToString()))
		}
		groups = append(groups, keys)
	}
	return groups
}
