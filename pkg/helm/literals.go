package helm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/strvals"

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

// literalLeaves parses a --set style value with helm's parser for its
// kind and returns every string leaf that is a SOPS document.
func literalLeaves(kind sourceKind, v string) ([]string, error) {
	if !strings.Contains(v, "sops") {
		return nil, nil // no sops metadata possible: nothing to parse twice
	}
	dest := map[string]interface{}{}
	var err error
	switch kind {
	case kindSet:
		err = strvals.ParseInto(v, dest)
	case kindSetString:
		err = strvals.ParseIntoString(v, dest)
	case kindSetJSON:
		err = strvals.ParseJSON(v, dest)
	}
	if err != nil {
		// helm will report the syntax error itself; nothing to decrypt.
		return nil, nil
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
			if encrypt.IsEncrypted([]byte(t), encrypt.FormatAuto) {
				out = append(out, t)
			}
		}
	}
	walk(dest)
	return out, nil
}

// movedLiteral is an encrypted literal taken out of a --set style flag;
// its plaintext goes to helm through --set-file and a pipe, never argv.
type movedLiteral struct {
	key   string
	plain []byte
}

// extractLiterals removes every key=ENCRYPTED part from a --set,
// --set-string or --set-json value and returns what is left (possibly "")
// and the decrypted literals. Helm applies --set-file after --set and
// --set-string, so a literal only changes precedence against the same key
// given again in a later --set-string. It fails (closed) when a literal
// cannot be isolated as a whole key=value, rather than hand helm
// ciphertext.
func extractLiterals(ctx context.Context, kind sourceKind, v string, decrypt func(context.Context, []byte) ([]byte, error)) (string, []movedLiteral, error) {
	leaves, err := literalLeaves(kind, v)
	if err != nil || len(leaves) == 0 {
		return v, nil, err
	}
	isLeaf := make(map[string]bool, len(leaves))
	for _, l := range leaves {
		isLeaf[l] = true
	}
	var keep []string
	var moved []movedLiteral
	for _, part := range splitTopLevel(kind, v) {
		key, raw, ok := strings.Cut(part, "=")
		if !ok {
			keep = append(keep, part)
			continue
		}
		val := unescapeStrvals(raw)
		if kind == kindSetJSON {
			if json.Unmarshal([]byte(raw), &val) != nil {
				val = ""
			}
		}
		if !isLeaf[val] {
			keep = append(keep, part)
			continue
		}
		plain, err := decrypt(ctx, []byte(val))
		if err != nil {
			return "", nil, fmt.Errorf("encrypted literal for %s: %w", key, err)
		}
		moved = append(moved, movedLiteral{key: key, plain: plain})
	}
	if len(moved) < len(leaves) {
		return "", nil, errLiteralNotFound
	}
	return strings.Join(keep, ","), moved, nil
}

// splitTopLevel splits a --set style value into its key=value parts: on
// unescaped commas for --set and --set-string, and on commas outside JSON
// strings, arrays and objects for --set-json.
func splitTopLevel(kind sourceKind, v string) []string {
	if kind != kindSetJSON {
		return splitUnescaped(v, ',')
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

var errLiteralNotFound = fmt.Errorf("an encrypted literal must be a whole key=value of its flag (not inside a {list} or a JSON object); or use --set-file key=secrets+literal://...")
