package sopslite

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"filippo.io/age"
)

// ParseIdentities parses age identities from text in the format of
// age-keygen output and SOPS_AGE_KEY: one identity per line, blank lines and
// lines starting with '#' ignored. The error never contains key material.
func ParseIdentities(text string) ([]age.Identity, error) {
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

// EnvIdentities returns the age identities the sops CLI would find in the
// plain cases: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and <config
// dir>/sops/age/keys.txt. When the environment uses anything else (a key
// command, SSH keys, plugin or passphrase-protected identities) or a key
// does not parse, it returns nil, so that the caller leaves the lookup to
// sops and its exact semantics and error messages. X25519 identities come
// with their private keys parsed once (cachedKeys).
func EnvIdentities() []age.Identity {
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
		b, err := os.ReadFile(p) // unbounded: the user's own key file, named by the user's environment (SOPS_AGE_KEY_FILE), not by a repository
		if err != nil {
			return nil
		}
		texts = append(texts, string(b))
	}
	if dir, err := userConfigDir(); err == nil {
		// unbounded: the user's own key file in the user's config directory
		if b, err := os.ReadFile(filepath.Join(dir, "sops", "age", "keys.txt")); err == nil {
			texts = append(texts, string(b))
		}
	}
	var ids []age.Identity
	for _, t := range texts {
		parsed, err := ParseIdentities(t)
		if err != nil {
			return nil
		}
		ids = append(ids, parsed...)
	}
	return cachedKeys(ids)
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

// RecipientSet is the recipients of a set of identities, lowercase (bech32
// is case-insensitive).
type RecipientSet map[string]bool

// Has reports whether label (a recipient as written in a file) is in s.
func (s RecipientSet) Has(label string) bool { return s[strings.ToLower(strings.TrimSpace(label))] }

// Recipients returns the recipients of ids, and false when one of them is
// of a kind whose recipient cannot be derived (plugins, SSH keys), in which
// case labels cannot be checked.
func Recipients(ids []age.Identity) (RecipientSet, bool) {
	rs := make(RecipientSet, len(ids))
	for _, id := range ids {
		switch id := id.(type) {
		case *age.X25519Identity:
			rs[id.Recipient().String()] = true
		case *x25519Identity:
			rs[id.age.Recipient().String()] = true
		case *age.HybridIdentity:
			rs[id.Recipient().String()] = true
		default:
			return nil, false
		}
	}
	return rs, true
}
