package helmvalues

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals"
)

// Sources are the values sources of a helm command line, with the same
// fields and meaning as Helm's values.Options.
type Sources struct {
	ValueFiles    []string // -f/--values: merged in order, later files win
	StringValues  []string // --set-string
	Values        []string // --set
	FileValues    []string // --set-file: key=path, the file's content as a string
	JSONValues    []string // --set-json
	LiteralValues []string // --set-literal: never decrypted
}

// A Resolver reads the values sources that Helm does not read as local
// files: URLs whose scheme has a getter (https://, secrets://, oci://, ...).
// Each SDK package adapts its Helm's getter.Providers.
type Resolver interface {
	// Resolves reports whether source is read by Read rather than as a
	// local file.
	Resolves(source string) bool
	// Read returns the content of source.
	Read(ctx context.Context, source string) ([]byte, error)
}

// Merge merges the values exactly as Helm's values.Options.MergeValues
// does (the values files in order with Helm's map merge, then --set-json,
// --set, --set-string, --set-file and --set-literal, in that order), with
// encrypted sources decrypted in memory:
//
//   - a values file or --set-file file that is a local file and a SOPS
//     document is decrypted; a plain file is used as it is;
//   - a SOPS document given as a --set, --set-string or --set-json value
//     (an encrypted literal) becomes its plaintext, as a string.
//
// All files and literals are read and decrypted concurrently before
// anything is merged; if any fails, Merge returns every failure, each
// naming its file or flag, and no values. "-" is standard input and
// sources that r resolves are read through r (nil: none), as Helm reads
// them, without decryption: use a secrets:// getter to decrypt remote
// files. eng supplies the keys; nil means an engine with keys from the
// environment, as the sops CLI finds them.
//
// p is the strvals parser of the Helm SDK in use.
func Merge(ctx context.Context, o *Sources, eng *encrypt.Engine, r Resolver, p literals.Parser) (map[string]interface{}, error) {
	if eng == nil {
		eng = encrypt.New(encrypt.Options{})
	}
	m := &merger{ctx: ctx, eng: eng, r: r, p: p, files: map[string]*valuesFile{}, literals: map[string]*literalJob{}}
	if err := m.prepare(o); err != nil {
		return nil, err
	}
	return m.merge(o)
}

// valuesFile is one local file to read and, if encrypted, decrypt.
type valuesFile struct {
	path  string
	what  string // "values file", "--set-file file"
	plain []byte
	err   error
}

// literalJob is one encrypted literal to decrypt.
type literalJob struct {
	flag  string
	doc   string
	plain string
	err   error
}

type merger struct {
	ctx      context.Context
	eng      *encrypt.Engine
	r        Resolver
	p        literals.Parser
	files    map[string]*valuesFile // by path
	order    []*valuesFile
	literals map[string]*literalJob // by ciphertext
	lorder   []*literalJob
}

// isLocal reports whether Helm reads source as a local file.
func (m *merger) isLocal(source string) bool {
	if strings.TrimSpace(source) == "-" {
		return false
	}
	return m.r == nil || !m.r.Resolves(source)
}

func (m *merger) addFile(path, what string) {
	if !m.isLocal(path) {
		return
	}
	if _, ok := m.files[path]; ok {
		return
	}
	j := &valuesFile{path: path, what: what}
	m.files[path] = j
	m.order = append(m.order, j)
}

func (m *merger) addLiterals(kind literals.Kind, values []string) {
	for _, v := range values {
		for _, l := range m.p.Leaves(kind, v) {
			if _, ok := m.literals[l]; ok {
				continue
			}
			j := &literalJob{flag: kind.Flag(), doc: l}
			m.literals[l] = j
			m.lorder = append(m.lorder, j)
		}
	}
}

// prepare finds every local file and encrypted literal and decrypts them
// all concurrently.
func (m *merger) prepare(o *Sources) error {
	for _, f := range o.ValueFiles {
		m.addFile(f, "values file")
	}
	for _, v := range o.FileValues {
		// Helm's own parser finds the paths; a syntax error is reported
		// by the merge, in Helm's words.
		_ = m.p.ParseIntoFile(v, map[string]interface{}{}, func(rs []rune) (interface{}, error) {
			m.addFile(string(rs), "--set-file file")
			return "", nil
		})
	}
	m.addLiterals(literals.SetJSON, o.JSONValues)
	m.addLiterals(literals.Set, o.Values)
	m.addLiterals(literals.SetString, o.StringValues)

	// Files and literals go to the engine in one call, so their key round
	// trips overlap.
	docs := make([]encrypt.Document, 0, len(m.order)+len(m.lorder))
	for _, j := range m.order {
		docs = append(docs, encrypt.Document{Path: j.path})
	}
	for _, j := range m.lorder {
		docs = append(docs, encrypt.Document{Data: []byte(j.doc)})
	}
	results := m.eng.DecryptDocuments(m.ctx, docs)
	for i, j := range m.order {
		j.plain, j.err = results[i].Plaintext, unwrapOnce(results[i].Err)
	}
	for i, j := range m.lorder {
		r := results[len(m.order)+i]
		j.plain, j.err = string(r.Plaintext), r.Err
		if j.err == nil && !r.Encrypted {
			j.err = encrypt.ErrNotEncrypted // Leaves found sops metadata
		}
	}
	if err := m.ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for _, j := range m.order {
		if j.err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", j.what, j.path, j.err))
		}
	}
	for _, j := range m.lorder {
		if j.err != nil {
			errs = append(errs, fmt.Errorf("encrypted literal in %s: %w", j.flag, unwrapOnce(j.err)))
		}
	}
	return errors.Join(errs...)
}

// readFile reads a local file (within the engine's size limit) and
// decrypts it when it is a SOPS document.
func (m *merger) readFile(path string) ([]byte, error) {
	results, err := m.eng.DecryptFilesIfEncrypted(m.ctx, []string{path})
	if err != nil {
		return nil, unwrapOnce(results[0].Err)
	}
	return results[0].Plaintext, nil
}

// unwrapOnce drops the engine's "decrypt: " or "read PATH: " prefix when
// our own message says it better.
func unwrapOnce(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

// read returns the content of a values source, as Helm's readFile does.
func (m *merger) read(source string) ([]byte, error) {
	if strings.TrimSpace(source) == "-" {
		// Standard input, bounded like every other source.
		data, err := bounds.ReadAll(os.Stdin, encrypt.DefaultMaxInputSize)
		if errors.Is(err, bounds.ErrTooLarge) {
			err = fmt.Errorf("standard input: %w (limit %d bytes)", encrypt.ErrTooLarge, encrypt.DefaultMaxInputSize)
		}
		return data, err
	}
	if j, ok := m.files[source]; ok {
		return j.plain, nil
	}
	if m.isLocal(source) {
		data, err := m.readFile(source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		return data, nil
	}
	return m.r.Read(m.ctx, source)
}

// merge is Helm's MergeValues with our reader and literal decryption.
func (m *merger) merge(o *Sources) (map[string]interface{}, error) {
	base := map[string]interface{}{}
	for _, filePath := range o.ValueFiles {
		currentMap := map[string]interface{}{}
		data, err := m.read(filePath)
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(data, &currentMap); err != nil {
			// The data may be decrypted plaintext, which parser errors
			// quote ("unknown anchor 'x'"): sanitised like the engine's.
			return nil, fmt.Errorf("failed to parse %s: %s", filePath, encrypt.ParseErrorText(err, data))
		}
		base = mergeMaps(base, currentMap)
	}
	for _, value := range o.JSONValues {
		v, err := m.decryptJSONLiterals(value)
		if err != nil {
			return nil, err
		}
		if err := m.p.ParseJSON(v, base); err != nil {
			// Helm's words, with the value as given (never plaintext).
			return nil, fmt.Errorf("failed parsing --set-json data %s", value)
		}
	}
	for _, value := range o.Values {
		if err := m.parseSet(literals.Set, value, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %w", err)
		}
	}
	for _, value := range o.StringValues {
		if err := m.parseSet(literals.SetString, value, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-string data: %w", err)
		}
	}
	for _, value := range o.FileValues {
		reader := func(rs []rune) (interface{}, error) {
			data, err := m.read(string(rs))
			if err != nil {
				return nil, err
			}
			return string(data), nil
		}
		if err := m.p.ParseIntoFile(value, base, reader); err != nil {
			return nil, fmt.Errorf("failed parsing --set-file data: %w", err)
		}
	}
	for _, value := range o.LiteralValues {
		if err := m.p.ParseLiteralInto(value, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-literal data: %w", err)
		}
	}
	return base, nil
}

// parseSet parses a --set or --set-string value into base with Helm's
// parser. When the value holds encrypted literals, the parser's value
// reader puts their plaintext (a string) in their place and types every
// other value exactly as Helm does.
func (m *merger) parseSet(kind literals.Kind, value string, base map[string]interface{}) error {
	plainParse := m.p.ParseInto
	if kind == literals.SetString {
		plainParse = m.p.ParseIntoString
	}
	if len(m.p.Leaves(kind, value)) == 0 {
		return plainParse(value, base)
	}
	return m.p.ParseIntoFile(value, base, func(rs []rune) (interface{}, error) {
		s := string(rs)
		if j, ok := m.literals[s]; ok {
			return j.plain, nil
		}
		if kind == literals.SetString || strings.HasPrefix(s, "{") {
			return s, nil
		}
		// Let Helm's parser type the value (true, 10, null, ...).
		probe := map[string]interface{}{}
		if err := m.p.ParseInto("v="+literals.Escape(s), probe); err != nil {
			return s, nil
		}
		return probe["v"], nil
	})
}

// decryptJSONLiterals replaces every encrypted literal in a --set-json
// value's JSON values by its plaintext (a JSON string).
func (m *merger) decryptJSONLiterals(value string) (string, error) {
	if len(m.p.Leaves(literals.SetJSON, value)) == 0 {
		return value, nil
	}
	parts := literals.SplitTopLevel(literals.SetJSON, value)
	for i, part := range parts {
		key, raw, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		var v interface{}
		if json.Unmarshal([]byte(raw), &v) != nil {
			continue
		}
		changed := false
		v = m.replaceLiterals(v, &changed)
		if !changed {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("--set-json %s: %w", key, err)
		}
		parts[i] = key + "=" + string(b)
	}
	out := strings.Join(parts, ",")
	if len(m.p.Leaves(literals.SetJSON, out)) > 0 {
		return "", errors.New("--set-json: an encrypted literal could not be isolated; give it as a whole key=value")
	}
	return out, nil
}

func (m *merger) replaceLiterals(v interface{}, changed *bool) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, c := range t {
			t[k] = m.replaceLiterals(c, changed)
		}
	case []interface{}:
		for i, c := range t {
			t[i] = m.replaceLiterals(c, changed)
		}
	case string:
		if j, ok := m.literals[t]; ok {
			*changed = true
			return j.plain
		}
	}
	return v
}

// mergeMaps is Helm's values merge: maps merge recursively, anything else
// in b replaces what a has.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k]; ok {
				if bv, ok := bv.(map[string]interface{}); ok {
					out[k] = mergeMaps(bv, v)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}
