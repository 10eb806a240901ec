package literals

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// An encrypted literal is a whole SOPS document given as a --set,
// --set-string or --set-json value (typically the one-line JSON that
// `sops encrypt --input-type binary --output-type json` prints, with its
// commas escaped for --set). It decrypts to what `sops decrypt` prints for
// it: the raw value for binary-format documents, the document otherwise.
//
// Values are found with helm's own parsers; a value counts as a literal
// only if sops can parse its metadata.

// Kind is the flag a --set style value came from.
type Kind int

// The flags that can carry encrypted literals.
const (
	Set       Kind = iota // --set
	SetString             // --set-string
	SetJSON               // --set-json
)

// Flag is the kind's flag name ("--set", ...).
func (k Kind) Flag() string {
	switch k {
	case SetString:
		return "--set-string"
	case SetJSON:
		return "--set-json"
	}
	return "--set"
}

// Parser is Helm's strvals parser of the Helm SDK in use (Helm 3 and Helm
// 4 each have their own); see the helm3 and helm4 subpackages.
type Parser struct {
	ParseInto        func(s string, dest map[string]interface{}) error
	ParseIntoString  func(s string, dest map[string]interface{}) error
	ParseJSON        func(s string, dest map[string]interface{}) error
	ParseLiteralInto func(s string, dest map[string]interface{}) error
	// ParseIntoFile parses --set-file style values, calling reader with each
	// value (a path) and storing what it returns.
	ParseIntoFile func(s string, dest map[string]interface{}, reader func([]rune) (interface{}, error)) error
}

// Leaves parses a --set style value with helm's parser for its kind and
// returns every string leaf that is a SOPS document. A value that does not
// parse has none (helm reports the syntax error itself).
func (p Parser) Leaves(kind Kind, v string) []string {
	if !strings.Contains(v, "sops") {
		return nil // no sops metadata possible: nothing to parse twice
	}
	return p.LeavesFunc(kind, v, func(s string) bool { return encrypt.IsEncrypted([]byte(s), encrypt.FormatAuto) })
}

// LeavesFunc is Leaves with another test of what is a literal (the vals
// backend's: a value holding "ref+").
func (p Parser) LeavesFunc(kind Kind, v string, isLiteral func(string) bool) []string {
	dest := map[string]interface{}{}
	var err error
	switch kind {
	case Set:
		err = p.ParseInto(v, dest)
	case SetString:
		err = p.ParseIntoString(v, dest)
	case SetJSON:
		err = p.ParseJSON(v, dest)
	}
	if err != nil {
		return nil
	}
	var out []string
	var walk func(interface{})
	walk = func(x interface{}) {
		switch t := x.(type) {
		case map[string]interface{}:
			for _, c := range t {
				walk(c)
			}
		case []interface{}:
			for _, c := range t {
				walk(c)
			}
		case string:
			if isLiteral(t) {
				out = append(out, t)
			}
		}
	}
	walk(dest)
	return out
}

// nestedCandidate reports whether a leaf could be a literal some backend
// would not leave as it is: a SOPS document or a vals expression.
func nestedCandidate(s string) bool {
	return strings.Contains(s, "ref+") || (strings.Contains(s, "sops") && encrypt.IsEncrypted([]byte(s), encrypt.FormatAuto))
}

// Moved is an encrypted literal taken out of a --set style flag; its
// plaintext goes to helm through --set-file and a pipe, never argv.
type Moved struct {
	Key   string
	Plain []byte
}

// Extract removes every key=ENCRYPTED part from a --set, --set-string or
// --set-json value and returns what is left (possibly "") and the
// decrypted literals. decrypt is called with the value of each top-level
// key=value part (unescaped; for --set-json, a JSON string's content) and
// decides (key names it in errors): plaintext, encrypt.ErrNotEncrypted (wrapped) to keep the part
// as it is, or an error. Helm applies --set-file after --set and
// --set-string, so a literal only changes precedence against the same key
// given again in a later --set-string.
//
// It fails (closed, ErrNotIsolated) when a SOPS document or vals
// expression that the backend would not leave as it is sits inside a
// {list} or a JSON object, where it cannot be isolated as a whole
// key=value, rather than hand helm ciphertext. That check comes first and
// asks isLiteral, which must tell without decrypting or evaluating (no
// key, no fetch: the run fails anyway); nothing is decrypted when it
// fails.
func (p Parser) Extract(ctx context.Context, kind Kind, v string, isLiteral func(ctx context.Context, value string) (bool, error), decrypt func(ctx context.Context, key, value string) ([]byte, error)) (string, []Moved, error) {
	type part struct {
		text, key, val string
		kv             bool // a key=value part whose value decrypt decides on
	}
	var parts []part
	whole := map[string]int{} // how often each value is a whole part
	for _, text := range SplitTopLevel(kind, v) {
		key, raw, ok := strings.Cut(text, "=")
		if !ok {
			parts = append(parts, part{text: text})
			continue
		}
		val := Unescape(raw)
		if kind == SetJSON {
			if json.Unmarshal([]byte(raw), &val) != nil {
				parts = append(parts, part{text: text})
				continue
			}
		}
		whole[val]++
		parts = append(parts, part{text: text, key: key, val: val, kv: true})
	}
	// Helm's parse has each whole part's value as a leaf once; a value
	// seen more often also sits in a {list} or an object.
	for _, leaf := range p.LeavesFunc(kind, v, nestedCandidate) {
		if whole[leaf] > 0 {
			whole[leaf]--
			continue
		}
		lit, err := isLiteral(ctx, leaf)
		if err != nil {
			return "", nil, err
		}
		if lit {
			return "", nil, ErrNotIsolated
		}
	}
	var keep []string
	var moved []Moved
	for _, pt := range parts {
		if !pt.kv {
			keep = append(keep, pt.text)
			continue
		}
		plain, err := decrypt(ctx, pt.key, pt.val)
		if errors.Is(err, encrypt.ErrNotEncrypted) {
			keep = append(keep, pt.text)
			continue
		}
		if err != nil {
			return "", nil, &KeyError{Key: pt.key, Err: err}
		}
		moved = append(moved, Moved{Key: pt.key, Plain: plain})
	}
	if len(moved) == 0 {
		return v, nil, nil
	}
	return strings.Join(keep, ","), moved, nil
}

// SplitTopLevel splits a --set style value into its key=value parts: on
// unescaped commas for --set and --set-string, and on commas outside JSON
// strings, arrays and objects for --set-json.
func SplitTopLevel(kind Kind, v string) []string {
	if kind != SetJSON {
		return SplitUnescaped(v, ',')
	}
	var parts []string
	depth, start, inStr := 0, 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}

// KeyError is Extract's error for the literal of one key: its message
// names the key ("encrypted literal for KEY: …"); Err is the cause.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return "encrypted literal for " + e.Key + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *KeyError) Unwrap() error { return e.Err }

// ErrNotIsolated means an encrypted literal is not a whole key=value of
// its flag, so it cannot be moved out of argv.
var ErrNotIsolated = errors.New("an encrypted literal must be a whole key=value of its flag (not inside a {list} or a JSON object); or use --set-file key=secrets+literal://...")
