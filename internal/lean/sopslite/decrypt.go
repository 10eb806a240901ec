package sopslite

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck"
)

// ErrUnsupported means DecryptYAML did not produce output: the document is
// outside what this package handles (another key type, comments, a
// .sops.yaml stores setting, ...) or it failed in any way (no matching
// identity, tampered value, MAC mismatch, bad YAML). The caller must then
// use the full engine, which gives the authoritative result and error.
// Errors never contain key or plaintext material.
var ErrUnsupported = errors.New("not handled by the age fast path")

// ErrPanic marks the ErrUnsupported of a recovered panic: still handed to
// the engine, but a bug of this package, which tests and fuzzing fail on.
var ErrPanic = errors.New("recovered panic")

func unsupported(why string) error { return fmt.Errorf("%w: %s", ErrUnsupported, why) }

// sops' value format; the same expression as sops' aes package, including
// its lack of an end anchor.
var encRE = regexp.MustCompile(`^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]`)

// item and branch mirror sops.TreeItem and sops.TreeBranch: keys and
// scalar values are what yaml.v3 decodes into an interface{}.
type item struct {
	key   any
	value any
}

type branch []item

// metadata is the part of a file's sops metadata this package accepts.
type metadata struct {
	age          []ageKey // in file order
	lastModified time.Time
	mac          string
	rule         cryptRule
}

// ageKey is one age entry of the metadata.
type ageKey struct {
	recipient string // the label (not covered by the MAC)
	enc       string // the armored age file holding the data key
}

// cryptRule is the one of sops' four path rules a file uses.
type cryptRule struct {
	unencryptedSuffix, encryptedSuffix string
	unencryptedRE, encryptedRE         *regexp.Regexp
	unencryptedRegex, encryptedRegex   string // as written (a bad one never matches, as in sops)
}

// Options change what DecryptYAML accepts. The zero value is sops'
// behaviour.
type Options struct {
	// Strict refuses (ErrUnsupported, so the engine gives the error) any
	// value the MAC does not authenticate: null, "", [] and {} anywhere,
	// exactly as the engine's Options.Strict.
	Strict bool
}

// DecryptYAML decrypts a sops-encrypted YAML document whose data key is
// wrapped for age, with ids, and returns exactly what `sops --decrypt`
// prints for it with the default YAML store settings. It verifies the MAC
// before returning anything. Every input it does not handle exactly as
// sops does, and every failure, gives ErrUnsupported and no output.
func DecryptYAML(in []byte, ids []age.Identity) ([]byte, error) {
	return Options{}.DecryptYAML(in, ids)
}

// DecryptYAML is the package's DecryptYAML with these options.
func (o Options) DecryptYAML(in []byte, ids []age.Identity) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %w", ErrUnsupported, ErrPanic)
		}
	}()
	if len(ids) == 0 {
		return nil, unsupported("no age identities")
	}
	if !mayBeAgeOnly(in) {
		return nil, unsupported("not age-only metadata")
	}
	branches, err := loadYAML(in)
	if err != nil {
		return nil, err
	}
	branches, meta, err := extractMetadata(branches)
	if err != nil {
		return nil, err
	}
	key, err := dataKey(meta.age, ids)
	if err != nil {
		return nil, err
	}
	computed, err := decryptTree(branches, key, meta.rule, o.Strict)
	if err != nil {
		return nil, err
	}
	stored, err := decryptValue(meta.mac, key, meta.lastModified.Format(time.RFC3339))
	if err != nil {
		return nil, unsupported("MAC does not decrypt")
	}
	s, ok := stored.(string)
	if !ok || subtle.ConstantTimeCompare([]byte(s), []byte(computed)) != 1 {
		return nil, unsupported("MAC mismatch")
	}
	return emitYAML(branches)
}

// otherKeyTypes are the metadata keys of master keys this package does not
// handle, as sops writes them (indented under "sops:").
var otherKeyTypes = []string{"pgp:", "kms:", "gcp_kms:", "azure_kv:", "hc_vault:", "hckms:", "key_groups:"}

// mayBeAgeOnly is a cheap look at the text before parsing it: a document
// naming other key types, or no age keys, is left to the engine at once
// instead of after a full parse. It only ever sends more documents to the
// engine, so it cannot change a result.
func mayBeAgeOnly(in []byte) bool {
	return bytes.Contains(in, []byte("age:")) && !namesOtherKeyTypes(in)
}

// namesOtherKeyTypes reports whether the regular expression
// (?m)^\s+(pgp|kms|gcp_kms|azure_kv|hc_vault|hckms|key_groups): matches in:
// one of otherKeyTypes preceded by at least one whitespace character
// ([\t\n\f\r ]) that starts at a line start. A scan instead of the
// expression, whose backtracking took a tenth of the lean wrapper's time
// (TestNamesOtherKeyTypesIsTheExpression, FuzzNamesOtherKeyTypes).
func namesOtherKeyTypes(in []byte) bool {
	for _, kw := range otherKeyTypes {
		for off := 0; ; {
			i := bytes.Index(in[off:], []byte(kw))
			if i < 0 {
				break
			}
			j := off + i
			off = j + 1
			s := j
			for s > 0 && isRESpace(in[s-1]) {
				s--
			}
			// A line starts at s (the text's start) or after a newline
			// among in[s:j-1], leaving at least one whitespace character.
			if s < j && (s == 0 || bytes.IndexByte(in[s:j-1], '\n') >= 0) {
				return true
			}
		}
	}
	return false
}

// isRESpace is the regexp package's \s.
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// loadYAML mirrors sops' YAML store LoadPlainFile, for documents without
// comments.
func loadYAML(in []byte) ([]branch, error) {
	d := yaml.NewDecoder(bytes.NewReader(in))
	var branches []branch
	var aliases yamlcheck.Aliases
	for first := true; ; first = false {
		var doc yaml.Node
		err := d.Decode(&doc)
		if err == io.EOF && !(first && len(in) > 0) {
			break
		}
		if err != nil {
			return nil, unsupported("YAML does not parse")
		}
		// sops' duplicate-key check (a decode of the first document into
		// a map), in linear time and on the nodes parsed once.
		if first && yamlcheck.Document(&doc) != nil {
			return nil, unsupported("YAML does not parse")
		}
		// The engine's bound on alias expansion, in every document.
		if aliases.Document(&doc) != nil {
			return nil, unsupported("YAML aliases expand too much")
		}
		if hasComments(&doc) {
			return nil, unsupported("comments")
		}
		b, err := appendNode(&doc, make(branch, 0))
		if err != nil {
			return nil, err
		}
		branches = append(branches, b)
	}
	return branches, nil
}

func hasComments(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
		return true
	}
	for _, c := range n.Content {
		if hasComments(c) {
			return true
		}
	}
	return false
}

// appendNode mirrors sops' appendYamlNodeToTreeBranch.
func appendNode(n *yaml.Node, b branch) (branch, error) {
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if b, err = appendNode(c, b); err != nil {
				return nil, err
			}
		}
	case yaml.SequenceNode:
		return nil, unsupported("sequence document")
	case yaml.MappingNode:
		for i := 0; i < len(n.Content); i += 2 {
			var k any
			_ = n.Content[i].Decode(&k)
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			b = append(b, item{key: k, value: v})
		}
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return b, nil
		}
		return nil, unsupported("scalar document")
	case yaml.AliasNode:
		return appendNode(n.Alias, b)
	}
	return b, nil
}

// nodeValue mirrors sops' nodeToTreeValue.
func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		var list []any
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		return appendNode(n, make(branch, 0))
	case yaml.ScalarNode:
		var v any
		_ = n.Decode(&v)
		return v, nil
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	}
	return nil, unsupported("node kind")
}

// extractMetadata mirrors sops' stores.ExtractMetadata (no flattening):
// every top-level "sops" key is removed; the first document's is the
// metadata.
func extractMetadata(branches []branch) ([]branch, metadata, error) {
	var raw branch
	found := false
	for bi, b := range branches {
		for i := 0; i < len(b); {
			if b[i].key != "sops" {
				i++
				continue
			}
			if bi == 0 {
				if found {
					return nil, metadata{}, unsupported("duplicate sops entry")
				}
				found = true
				m, ok := b[i].value.(branch)
				if !ok {
					return nil, metadata{}, unsupported("sops entry is not a mapping")
				}
				raw = m
			}
			b = append(b[:i], b[i+1:]...)
		}
		branches[bi] = b
	}
	if !found {
		return nil, metadata{}, unsupported("no sops metadata")
	}
	meta, err := parseMetadata(raw)
	return branches, meta, err
}

// parseMetadata accepts only metadata with age keys and no key groups, in
// the exact types sops writes; anything else is for the full engine.
func parseMetadata(raw branch) (metadata, error) {
	var m metadata
	var lastModified string
	var rules []string
	for _, it := range raw {
		k, ok := it.key.(string)
		if !ok {
			return m, unsupported("metadata key")
		}
		switch k {
		case "age":
			list, ok := it.value.([]any)
			if !ok {
				return m, unsupported("age entry")
			}
			for _, e := range list {
				k, err := ageStanza(e)
				if err != nil {
					return m, err
				}
				m.age = append(m.age, k)
			}
		case "lastmodified", "mac", "version", "unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex":
			s, ok := it.value.(string)
			if !ok {
				return m, unsupported("metadata " + k)
			}
			switch k {
			case "lastmodified":
				lastModified = s
			case "mac":
				m.mac = s
			case "unencrypted_suffix":
				m.rule.unencryptedSuffix = s
			case "encrypted_suffix":
				m.rule.encryptedSuffix = s
			case "unencrypted_regex":
				m.rule.unencryptedRegex = s
			case "encrypted_regex":
				m.rule.encryptedRegex = s
			}
			if strings.HasSuffix(k, "_suffix") || strings.HasSuffix(k, "_regex") {
				if s != "" {
					rules = append(rules, k)
				}
			}
		default:
			// Other key types, key groups, shamir, comment rules,
			// mac_only_encrypted and unknown fields.
			return m, unsupported("metadata " + k)
		}
	}
	t, err := time.Parse(time.RFC3339, lastModified)
	if err != nil {
		return m, unsupported("lastmodified")
	}
	m.lastModified = t
	if len(rules) > 1 {
		return m, unsupported("more than one encryption rule")
	}
	if len(rules) == 0 {
		m.rule.unencryptedSuffix = "_unencrypted"
	}
	if m.rule.unencryptedRegex != "" {
		m.rule.unencryptedRE, _ = regexp.Compile(m.rule.unencryptedRegex)
	}
	if m.rule.encryptedRegex != "" {
		m.rule.encryptedRE, _ = regexp.Compile(m.rule.encryptedRegex)
	}
	if len(m.age) == 0 {
		return m, unsupported("no age keys")
	}
	return m, nil
}

func ageStanza(e any) (ageKey, error) {
	var k ageKey
	b, ok := e.(branch)
	if !ok {
		return k, unsupported("age key entry")
	}
	for _, it := range b {
		name, _ := it.key.(string)
		s, ok := it.value.(string)
		if !ok {
			return k, unsupported("age key field")
		}
		switch name {
		case "recipient":
			k.recipient = s
		case "enc":
			k.enc = s
		default:
			return k, unsupported("age key field")
		}
	}
	return k, nil
}

// dataKey mirrors the engine's age key lookup (sops' decryptKeyGroup, plus
// the engine's label check): the first entry whose label is one of ids'
// recipients and that any identity opens gives the key.
func dataKey(keys []ageKey, ids []age.Identity) ([]byte, error) {
	ours, checkable := Recipients(ids)
	for _, k := range keys {
		if checkable && !ours.Has(k.recipient) {
			continue
		}
		key, err := openDataKey(k.enc, ids)
		if err != nil {
			continue
		}
		if len(key) != 32 {
			return nil, unsupported("data key size")
		}
		return key, nil
	}
	return nil, unsupported("no identity opens the data key")
}

// shouldBeEncrypted mirrors sops' Tree.shouldBeEncrypted without the
// comment rules.
func (r cryptRule) shouldBeEncrypted(path []string) bool {
	encrypted := true
	if r.unencryptedSuffix != "" {
		for _, v := range path {
			if strings.HasSuffix(v, r.unencryptedSuffix) {
				encrypted = false
				break
			}
		}
	}
	if r.encryptedSuffix != "" {
		encrypted = false
		for _, v := range path {
			if strings.HasSuffix(v, r.encryptedSuffix) {
				encrypted = true
				break
			}
		}
	}
	if r.unencryptedRegex != "" {
		for _, v := range path {
			if r.unencryptedRE != nil && r.unencryptedRE.MatchString(v) {
				encrypted = false
				break
			}
		}
	}
	if r.encryptedRegex != "" {
		encrypted = false
		for _, v := range path {
			if r.encryptedRE != nil && r.encryptedRE.MatchString(v) {
				encrypted = true
				break
			}
		}
	}
	return encrypted
}

// decryptTree mirrors sops' Tree.Decrypt: it decrypts every value in
// place and returns the MAC of the plaintext tree.
func decryptTree(branches []branch, key []byte, rule cryptRule, strict bool) (string, error) {
	w := walker{key: key, rule: rule, hash: sha512.New(), strict: strict}
	for _, b := range branches {
		if err := w.branch(b, make([]string, 0)); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%X", w.hash.Sum(nil)), nil
}

type walker struct {
	key    []byte
	rule   cryptRule
	hash   hash.Hash
	strict bool // refuse values the MAC leaves out (null, "", [], {})
}

func (w *walker) branch(b branch, path []string) error {
	for i, it := range b {
		k, ok := it.key.(string)
		if !ok {
			return unsupported("non-string key")
		}
		v, err := w.value(it.value, append(path, k))
		if err != nil {
			return err
		}
		b[i].value = v
	}
	return nil
}

func (w *walker) value(in any, path []string) (any, error) {
	if w.strict && isEmpty(in) {
		return nil, unsupported("strict: a value the MAC does not authenticate")
	}
	switch in := in.(type) {
	case string, int, bool, float64, time.Time:
		return w.leaf(in, path)
	case branch:
		return in, w.branch(in, path)
	case []any:
		for i, v := range in {
			nv, err := w.value(v, path)
			if err != nil {
				return nil, err
			}
			in[i] = nv
		}
		return in, nil
	case nil:
		return nil, nil
	}
	return nil, unsupported("value type")
}

// isEmpty reports whether v adds nothing to the MAC: null, "", an empty
// list or mapping. (A list of only such values is caught at its items.)
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case branch:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

func (w *walker) leaf(in any, path []string) (any, error) {
	v := in
	if w.rule.shouldBeEncrypted(path) {
		s, ok := in.(string)
		if !ok {
			return nil, unsupported("encrypted value is not a string")
		}
		var err error
		if v, err = decryptValue(s, w.key, strings.Join(path, ":")+":"); err != nil {
			return nil, err
		}
	}
	b, err := toBytes(v)
	if err != nil {
		return nil, err
	}
	_, _ = w.hash.Write(b)
	return v, nil
}

// decryptValue mirrors sops' aes.Cipher.Decrypt for the value types this
// package emits (str, int, float, bool, time).
func decryptValue(value string, key []byte, additionalData string) (any, error) {
	if value == "" {
		return "", nil
	}
	m, ok := splitValue(value)
	if !ok {
		if m = encRE.FindStringSubmatch(value); m == nil {
			return nil, unsupported("value is not in sops' format")
		}
	}
	var parts [3][]byte
	for i := range parts {
		b, err := base64.StdEncoding.DecodeString(m[i+1])
		if err != nil {
			return nil, unsupported("value encoding")
		}
		parts[i] = b
	}
	data, iv, tag := parts[0], parts[1], parts[2]
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, unsupported("data key")
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return nil, unsupported("iv")
	}
	plain, err := gcm.Open(nil, iv, append(data, tag...), []byte(additionalData))
	if err != nil {
		return nil, unsupported("value does not authenticate")
	}
	s := string(plain)
	switch m[4] {
	case "str":
		return s, nil
	case "int":
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, unsupported("int value")
		}
		return v, nil
	case "float":
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, unsupported("float value")
		}
		return v, nil
	case "bool":
		v, err := strconv.ParseBool(s)
		if err != nil {
			return nil, unsupported("bool value")
		}
		return v, nil
	case "time":
		var v time.Time
		if err := v.UnmarshalText(plain); err != nil {
			return nil, unsupported("time value")
		}
		return v, nil
	}
	return nil, unsupported("value type " + m[4])
}

// splitValue is encRE.FindStringSubmatch(v) for the values sops writes:
// ENC[AES256_GCM,data:D,iv:I,tag:T,type:Y] and nothing after, D, I and T
// of the base64 alphabet, Y of lowercase letters. In those, each
// separator occurs once, so the expression's groups can only be D, I, T
// and Y. ok is false for everything else, which the expression then
// decides (TestSplitValueIsTheExpression, FuzzSplitValue).
func splitValue(v string) (m []string, ok bool) {
	const head = "ENC[AES256_GCM,data:"
	rest, ok := strings.CutPrefix(v, head)
	if !ok || !strings.HasSuffix(rest, "]") {
		return nil, false
	}
	rest = rest[:len(rest)-1]
	m = []string{v, "", "", "", ""}
	for i, sep := range []string{",iv:", ",tag:", ",type:"} {
		part, after, found := strings.Cut(rest, sep)
		if !found || part == "" || !isBase64(part) {
			return nil, false
		}
		m[i+1], rest = part, after
	}
	if rest == "" {
		return nil, false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < 'a' || rest[i] > 'z' {
			return nil, false
		}
	}
	m[4] = rest
	return m, true
}

func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && (c < '0' || c > '9') && c != '+' && c != '/' && c != '=' {
			return false
		}
	}
	return true
}

// toBytes mirrors sops.ToBytes for the types decryptValue returns.
func toBytes(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case int:
		return []byte(strconv.Itoa(v)), nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case bool:
		if v {
			return []byte("True"), nil
		}
		return []byte("False"), nil
	case time.Time:
		return v.MarshalText()
	}
	return nil, unsupported("value type")
}

// emitYAML mirrors sops' YAML store EmitPlainFile with the default indent.
// A single document of more than emitChunk top-level entries is emitted a
// run of entries at a time (emitChunked).
func emitYAML(branches []branch) ([]byte, error) {
	if len(branches) == 1 && len(branches[0]) > emitChunk {
		return emitChunked(branches[0])
	}
	var buf bytes.Buffer
	if err := encodeDocs(&buf, branches); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeDocs writes branches as sops' emitter does: one encoder, indent 4,
// a document each.
func encodeDocs(w io.Writer, branches []branch) error {
	e := yaml.NewEncoder(w)
	e.SetIndent(4)
	for _, b := range branches {
		mapping := &yaml.Node{Kind: yaml.MappingNode}
		appendMapping(b, mapping)
		doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{mapping}}
		if err := e.Encode(doc); err != nil {
			return unsupported("YAML does not emit")
		}
	}
	if err := e.Close(); err != nil {
		return unsupported("YAML does not emit")
	}
	return nil
}

// emitChunk is the most top-level entries emitYAML encodes at once (a
// variable for the tests).
var emitChunk = 2048

// emitChunked emits one large document as consecutive documents of
// emitChunk entries or a few more (the last: what remains), each ending
// after an entry whose value is a plain string (plainString) or a number,
// boolean or null: that text is the whole document's. The yaml encoder keeps every event
// of a document until the document ends (its queue is never compacted)
// and the nodes of the whole document are built first: for a generated
// 5 MiB values file that was 60 MB alive at once, the largest part of the
// peak. What makes the pieces' text the whole's: a block mapping's
// entries at the top level are written one after the other, each starting
// at a new line with nothing carried over (no anchors, comments or flow
// style in sops' output); the first document of an encoder has no "---";
// and the one thing an encoder writes after a document's last entry, a
// "..." after a block scalar kept with "|+", cannot follow these values.
// TestEmitChunkedIsWhole compares both on the generated corpus.
func emitChunked(b branch) ([]byte, error) {
	var buf bytes.Buffer
	for start := 0; start < len(b); {
		end := min(start+emitChunk, len(b))
		for end < len(b) && !endsChunk(b[end-1].value) {
			end++
		}
		if err := encodeDocs(&buf, []branch{b[start:end]}); err != nil {
			return nil, err
		}
		start = end
	}
	return buf.Bytes(), nil
}

// endsChunk reports whether a document may end after an entry with value
// v exactly as the entry is written inside a larger mapping.
func endsChunk(v any) bool {
	switch v := v.(type) {
	case string:
		return plainString(v)
	case int, float64, bool, nil:
		return true
	}
	return false
}

func appendMapping(b branch, mapping *yaml.Node) {
	mapping.Content = make([]*yaml.Node, 0, 2*len(b))
	for _, it := range b {
		mapping.Content = append(mapping.Content, scalarNode(it.key), toNode(it.value))
	}
}

// scalarNode returns the node yaml's Node.Encode makes of v (as sops'
// emitter does). Node.Encode emits v as YAML text and parses it again;
// for a plain string or an int the node is known without that round trip
// (TestScalarNodeIsEncode compares both).
func scalarNode(v any) *yaml.Node {
	switch v := v.(type) {
	case string:
		if plainString(v) {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
		}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	}
	n := &yaml.Node{}
	_ = n.Encode(v)
	return n
}

// plainString reports whether yaml emits s as a plain scalar that reads
// back as the string s: a letter, then letters, digits and "_.-/", not
// resolving to another type (true, null, ...), not a YAML 1.1 boolean
// (which the emitter quotes).
func plainString(s string) bool {
	if s == "" || len(s) > 100 || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && (c < '0' || c > '9') && c != '_' && c != '.' && c != '-' && c != '/' {
			return false
		}
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return false
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: s}
	return n.ShortTag() == "!!str"
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func toNode(v any) *yaml.Node {
	switch v := v.(type) {
	case branch:
		n := &yaml.Node{Kind: yaml.MappingNode}
		appendMapping(v, n)
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range v {
			n.Content = append(n.Content, toNode(e))
		}
		return n
	}
	return scalarNode(v)
}
