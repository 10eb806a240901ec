package encrypt

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
)

// The sops MAC is a hash over the bytes of the values, in order; a value
// whose bytes are empty adds nothing to it. So sops (and we, by default)
// accept a file into which anyone added `image: null`, `tag: ""`,
// `list: []` or `config: {}`: chart defaults deleted, lists emptied, with
// the MAC still matching. With mac_only_encrypted, unencrypted values are
// left out of the MAC too. Options.Strict (HELM_SECRETS_STRICT=true)
// refuses such files: unauthenticatedKey finds the first key whose value
// the MAC does not cover.

// unauthenticatedKeys returns the display paths (`a.b[2].c`) of the values
// of branches the MAC does not authenticate, at most limit of them.
// encrypted reports whether sops decrypted a leaf (its sops path and the
// bytes of its plaintext); it matters only with mac_only_encrypted.
// Comments are not values and are skipped. Emptiness is the same before
// and after decryption; the mac_only_encrypted check needs the decrypted
// tree.
func unauthenticatedKeys(branches sops.TreeBranches, macOnlyEncrypted bool, encrypted func(sopsPath, plain string) bool, limit int) []string {
	w := &strictWalk{macOnly: macOnlyEncrypted, encrypted: encrypted, limit: limit}
	for i, b := range branches {
		if len(branches) > 1 {
			w.doc = "document " + strconv.Itoa(i+1) + ": "
		}
		w.branch(b, nil, "")
	}
	return w.found
}

type strictWalk struct {
	macOnly   bool
	encrypted func(sopsPath, plain string) bool
	limit     int
	doc       string
	found     []string
}

func (w *strictWalk) done() bool { return len(w.found) >= w.limit }

func (w *strictWalk) add(display string) { w.found = append(w.found, w.doc+display) }

func (w *strictWalk) branch(b sops.TreeBranch, path []string, display string) {
	for _, it := range b {
		if w.done() {
			return
		}
		if _, isComment := it.Key.(sops.Comment); isComment {
			continue
		}
		k, ok := it.Key.(string)
		if !ok {
			continue // sops refuses non-string keys itself
		}
		d := k
		if display != "" {
			d = display + "." + k
		}
		w.value(it.Value, append(path, k), d)
	}
}

func (w *strictWalk) value(v any, path []string, display string) {
	switch v := v.(type) {
	case sops.Comment:
		return
	case nil:
		w.add(display)
		return
	case sops.TreeBranch:
		if len(v) == 0 {
			w.add(display)
			return
		}
		w.branch(v, path, display)
		return
	case []any:
		n := 0
		for i, e := range v {
			if w.done() {
				return
			}
			if _, isComment := e.(sops.Comment); isComment {
				continue
			}
			n++
			w.value(e, path, display+"["+strconv.Itoa(i)+"]")
		}
		if n == 0 {
			w.add(display)
		}
		return
	case string:
		if v == "" {
			w.add(display)
			return
		}
	case []byte:
		if len(v) == 0 {
			w.add(display)
			return
		}
	}
	if w.macOnly {
		b, err := sops.ToBytes(v)
		if err != nil || !w.encrypted(strings.Join(path, ":")+":", string(b)) {
			w.add(display)
		}
	}
}

// EmptyValues lists the key paths (`a.b[2].c`, at most 100) of the empty
// values (null, "", [], {}) of an encrypted document: the values the sops
// MAC does not cover, which Options.Strict refuses. It needs no key.
// `helm secrets encrypt` warns with it.
func EmptyValues(data []byte, format Format) (paths []string, err error) {
	defer guard("parse", &err)
	tree, _, err := loadEncrypted(data, format, nil)
	if err != nil {
		return nil, err
	}
	return unauthenticatedKeys(tree.Branches, false, nil, 100), nil
}

// recordingCipher is the AES cipher that remembers which (path,
// plaintext) pairs sops decrypted, so the strict check knows which values
// sops treated as encrypted under mac_only_encrypted without
// re-implementing its path rules. (A plain value equal to an encrypted one
// at the same path, possible only in a list, would count as encrypted.)
type recordingCipher struct {
	aes.Cipher
	seen map[string]bool
}

func newRecordingCipher() *recordingCipher {
	return &recordingCipher{Cipher: aes.NewCipher(), seen: map[string]bool{}}
}

// Decrypt records the pair and decrypts.
func (c *recordingCipher) Decrypt(ciphertext string, key []byte, additionalData string) (any, error) {
	v, err := c.Cipher.Decrypt(ciphertext, key, additionalData)
	if err == nil {
		if b, err := sops.ToBytes(v); err == nil {
			c.seen[additionalData+"\x00"+string(b)] = true
		}
	}
	return v, err
}

func (c *recordingCipher) decrypted(sopsPath, plain string) bool {
	return c.seen[sopsPath+"\x00"+plain]
}

// unauthenticatedError is Options.Strict's refusal: it names the key
// path, never the value.
func unauthenticatedError(path string) error {
	return fmt.Errorf("%w: key %q (an empty value: null, \"\", [] or {}, or an unencrypted value with mac_only_encrypted)", ErrUnauthenticated, path)
}
