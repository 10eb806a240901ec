package check

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"path"
	"regexp"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlwalk"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// MaxDocuments caps the YAML documents scanned in one file.
const MaxDocuments = 1000

// MaxAllowListSize caps an allow-list file.
const MaxAllowListSize = 1 << 20

// scannable reports whether the plaintext heuristics read this file: YAML
// and JSON values files (not .sops.yaml, which holds public keys).
func scannable(rel string) bool {
	if path.Base(rel) == ".sops.yaml" {
		return false
	}
	switch strings.ToLower(path.Ext(rel)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// secretWords are key name words that say "this value is a secret".
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
	"secret": true, "token": true, "key": true, "apikey": true, "privatekey": true,
	"credential": true, "credentials": true, "auth": true,
}

// harmlessWords are key name words that say "this names or configures a
// secret; it is not one" (secretName, existingSecret, keyFile, tokenPath).
var harmlessWords = map[string]bool{
	"name": true, "names": true, "ref": true, "file": true, "path": true, "id": true, "public": true,
	"existing": true, "enabled": true, "length": true, "type": true, "kind": true, "mount": true,
	"create": true, "annotations": true, "url": true, "keys": true, "provider": true, "policy": true,
	"field": true, "selector": true, "env": true, "ttl": true, "format": true, "algorithm": true,
}

// keyWords splits a key name into lowercase words at punctuation and
// camelCase boundaries: "dbPassword" -> db, password; "API_KEY" -> api, key.
func keyWords(k string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(k)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

// secretKeyName reports whether a key's name says its value is a secret.
func secretKeyName(k string) bool {
	words := keyWords(k)
	hit := false
	for i, w := range words {
		if harmlessWords[w] {
			return false
		}
		if secretWords[w] || (i > 0 && secretWords[words[i-1]+w]) {
			hit = true
		}
	}
	return hit
}

// placeholder reports whether a plain value is obviously not a secret:
// empty, a template or reference, an encrypted value.
func placeholder(v string) bool {
	t := strings.TrimSpace(v)
	switch {
	case len(t) < 4,
		strings.Contains(t, "{{"), strings.HasPrefix(t, "${"), strings.HasPrefix(t, "ENC["),
		strings.HasPrefix(t, "ref+"), strings.HasPrefix(t, "secrets://"),
		strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">"):
		return true
	}
	return false
}

// ageRecipient is an age public key or a comma list of them: high
// entropy, but public.
var ageRecipient = regexp.MustCompile(`^age1[02-9ac-hj-np-z]{58}(?:,\s*age1[02-9ac-hj-np-z]{58})*$`)

// highEntropy reports whether v looks like key material: one word of at
// least 20 characters with a high Shannon entropy per character (hex
// strings, whose alphabet is small, need 32 characters and less entropy).
func highEntropy(v string) bool {
	if len(v) < 20 || len(v) > 4096 || strings.ContainsAny(v, " \t\n") || strings.HasPrefix(v, "sha256:") || ageRecipient.MatchString(v) ||
		strings.Contains(v, "://") && !strings.Contains(v, "@") {
		return false
	}
	hex := true
	counts := map[rune]int{}
	n := 0
	for _, r := range v {
		counts[r]++
		n++
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			hex = false
		}
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	if hex {
		return n >= 32 && h >= 3.0
	}
	return h >= 4.0
}

// plaintextSecrets scans an unencrypted YAML or JSON file for values that
// look like secrets. Findings name the key path and line, never the value.
func (c *checker) plaintextSecrets(rel string, data []byte) []Finding {
	if err := bounds.CheckYAMLDepth(data); err != nil {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []Finding
	for range MaxDocuments {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			break // end of input, or not YAML: nothing (more) to scan
		}
		yamlwalk.Scalars(&doc, func(keyPath []yamlwalk.Step, n *yaml.Node) {
			if n.Tag != "!!str" && n.Tag != "" {
				return // string values only
			}
			kp := yamlwalk.Dotted(keyPath)
			if c.o.Allow.allows(rel, kp) {
				return
			}
			why := ""
			switch {
			case len(keyPath) > 0 && !keyPath[len(keyPath)-1].IsIndex && secretKeyName(keyPath[len(keyPath)-1].Key) && !placeholder(n.Value):
				why = "its key name says it is a secret"
			case highEntropy(n.Value):
				why = "it is a high-entropy string"
			default:
				return
			}
			out = append(out, Finding{File: rel, Rule: RulePlaintextSecret, Level: levelOf(RulePlaintextSecret), Line: n.Line, Key: kp,
				Message: fmt.Sprintf("plaintext value of %s looks like a secret: %s (encrypt it, or allow-list %s:%s)", kp, why, rel, kp)})
		})
	}
	return out
}

// AllowList suppresses plaintext-secret findings. Each line is a pattern
// FILE or FILE:KEY, where FILE is a path.Match glob on the slash-separated
// path relative to the root (a pattern without "/" also matches the base
// name) and KEY a glob on the dotted key path (list items by index:
// "env.0.value"). Blank lines and lines starting with # are ignored.
type AllowList struct {
	entries []allowEntry
}

type allowEntry struct{ file, key string }

// LoadAllowList reads an allow-list file (at most MaxAllowListSize bytes).
func LoadAllowList(file string) (*AllowList, error) {
	data, err := bounds.ReadFile(file, MaxAllowListSize)
	if err != nil {
		return nil, fmt.Errorf("allow-list %s: %w", file, err)
	}
	return ParseAllowList(data, file)
}

// ParseAllowList parses allow-list text (name is for errors).
func ParseAllowList(data []byte, name string) (*AllowList, error) {
	a := &AllowList{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		file, key, _ := strings.Cut(line, ":")
		for _, p := range []string{file, key} {
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("allow-list %s line %d: bad pattern %q", name, n, p)
			}
		}
		a.entries = append(a.entries, allowEntry{file: file, key: key})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("allow-list %s: %w", name, err)
	}
	return a, nil
}

func (a *AllowList) allows(file, keyPath string) bool {
	if a == nil {
		return false
	}
	for _, e := range a.entries {
		fm, _ := path.Match(e.file, file)
		if !fm && !strings.Contains(e.file, "/") {
			fm, _ = path.Match(e.file, path.Base(file))
		}
		if !fm {
			continue
		}
		if e.key == "" {
			return true
		}
		if km, _ := path.Match(e.key, keyPath); km {
			return true
		}
	}
	return false
}
