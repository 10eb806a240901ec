package encrypt

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/config"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"

	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
)

// Decrypt decrypts a SOPS document held in memory and returns the plaintext
// exactly as `sops --decrypt` prints it. format FormatAuto detects the
// format from the content. The MAC is always verified.
func (e *Engine) Decrypt(ctx context.Context, data []byte, format Format) ([]byte, error) {
	out, err := e.decrypt(ctx, data, format, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return out, nil
}

// DecryptFile reads and decrypts the file at path. The format comes from
// the extension, else from the content; output indentation follows the
// stores section of the .sops.yaml that applies to the file, as with sops.
func (e *Engine) DecryptFile(ctx context.Context, path string) ([]byte, error) {
	data, err := e.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", path, err)
	}
	sc, err := storesConfigFor(path)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", path, err)
	}
	out, err := e.decrypt(ctx, data, DetectFormat(path, data), sc)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", path, err)
	}
	return out, nil
}

// Result is the outcome of reading one file with DecryptFiles or
// DecryptFilesIfEncrypted.
type Result struct {
	Path      string
	Plaintext []byte // the decrypted content (DecryptFilesIfEncrypted: or the file as is, when not encrypted)
	Encrypted bool   // the file was a SOPS document
	Err       error
	// Keys are the master keys that unwrapped this file's data key, as
	// KeyRecord.Unwrapped lists them; set only when the context carries
	// a KeyRecord (RecordKeys), which then also gets them.
	Keys []string
}

// DecryptFiles decrypts many files concurrently (at most
// Options.Parallelism at once), so key round trips overlap instead of adding
// up. A path given twice is decrypted once. The results are in the order of
// paths; the error joins every failure, and a file that is not encrypted is
// a failure (ErrNotEncrypted).
func (e *Engine) DecryptFiles(ctx context.Context, paths []string) ([]Result, error) {
	return e.each(ctx, fileDocuments(paths), false)
}

// DecryptFilesIfEncrypted is DecryptFiles for values files that may or
// may not be encrypted: a file without SOPS metadata comes back unchanged
// with Encrypted false instead of failing. Everything else fails closed as
// in DecryptFiles. Each file is read once.
func (e *Engine) DecryptFilesIfEncrypted(ctx context.Context, paths []string) ([]Result, error) {
	return e.each(ctx, fileDocuments(paths), true)
}

// Document is one input of DecryptDocuments: a file to read (Path), or a
// document held in memory (Data, format detected from the content).
type Document struct {
	Path string
	Data []byte
}

// DecryptDocuments is DecryptFilesIfEncrypted for a mix of files and
// documents held in memory (encrypted literals, downloads), all decrypted
// concurrently so their key round trips overlap. The results are in the
// order of docs; a document without SOPS metadata comes back as it is,
// with Encrypted false.
func (e *Engine) DecryptDocuments(ctx context.Context, docs []Document) []Result {
	results, _ := e.each(ctx, docs, true)
	return results
}

func fileDocuments(paths []string) []Document {
	docs := make([]Document, len(paths))
	for i, p := range paths {
		docs[i].Path = p
	}
	return docs
}

// each decrypts docs concurrently, at most Options.Parallelism at once; a
// file named twice is read once. With plainOK a document that is not
// encrypted is returned as it is. The error joins every failure.
func (e *Engine) each(ctx context.Context, docs []Document, plainOK bool) ([]Result, error) {
	results := make([]Result, len(docs))
	first := make(map[string]int, len(docs))
	for i, d := range docs {
		results[i].Path = d.Path
		if _, dup := first[d.Path]; d.Data == nil && !dup {
			first[d.Path] = i
		}
	}
	// The run's total input: files by their size before any is read,
	// documents held in memory as they are.
	b := e.newBudget(ctx)
	err := b.precheck(first)
	for _, d := range docs {
		if err == nil && d.Data != nil {
			err = b.take(int64(len(d.Data)))
		}
	}
	if err != nil {
		for i := range results {
			results[i].Err = err
		}
		return results, err
	}
	sem := make(chan struct{}, e.opts.Parallelism)
	ctx = withUnwrapCache(ctx)
	var wg sync.WaitGroup
	for i, d := range docs {
		if d.Data == nil && first[d.Path] != i {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				r.Err = fmt.Errorf("decrypt %s: %w", d.Path, ctx.Err())
				return
			}
			defer func() { <-sem }()
			ctx, rec := SubRecord(ctx)
			if d.Data != nil {
				r.Plaintext, r.Encrypted, r.Err = e.decryptOne(ctx, d.Data, plainOK)
			} else {
				r.Plaintext, r.Encrypted, r.Err = e.readOne(ctx, d.Path, plainOK, b)
			}
			r.Keys = rec.Unwrapped()
		}()
	}
	wg.Wait()
	var errs []error
	for i := range results {
		if docs[i].Data == nil {
			if j := first[docs[i].Path]; j != i {
				results[i] = results[j]
				continue
			}
		}
		if results[i].Err != nil {
			errs = append(errs, results[i].Err)
		}
	}
	return results, errors.Join(errs...)
}

// decryptOne decrypts a document held in memory; with plainOK one that is
// not encrypted is returned as it is.
func (e *Engine) decryptOne(ctx context.Context, data []byte, plainOK bool) ([]byte, bool, error) {
	out, err := e.Decrypt(ctx, data, FormatAuto)
	switch {
	case plainOK && errors.Is(err, ErrNotEncrypted):
		return data, false, nil
	case err != nil:
		return nil, false, err
	}
	return out, true, nil
}

// readOne reads and decrypts one file; with plainOK a file that is not
// encrypted is returned as it is.
func (e *Engine) readOne(ctx context.Context, path string, plainOK bool, b *budget) ([]byte, bool, error) {
	data, err := e.readFile(path)
	if err == nil {
		err = b.take(int64(len(data)))
	}
	if err != nil {
		return nil, false, fmt.Errorf("decrypt %s: %w", path, err)
	}
	sc, err := storesConfigFor(path)
	if err != nil {
		return nil, false, fmt.Errorf("decrypt %s: %w", path, err)
	}
	out, err := e.decrypt(ctx, data, DetectFormat(path, data), sc)
	switch {
	case plainOK && errors.Is(err, ErrNotEncrypted):
		return data, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("decrypt %s: %w", path, err)
	}
	return out, true, nil
}

// loadEncrypted parses an encrypted document. It distinguishes a plain
// document (ErrNotEncrypted) from one whose sops metadata is broken
// (ErrMalformed), and refuses a document without metadata that still holds
// ciphertext (a truncated file).
func loadEncrypted(data []byte, format Format, sc *config.StoresConfig) (tree sops.Tree, f Format, err error) {
	defer guard("parse", &err)
	if format == FormatAuto {
		format = detectFromContent(data)
	}
	tree, err = format.store(sc).LoadEncryptedFile(data)
	switch {
	case err == nil && len(tree.Metadata.KeyGroups) == 0:
		return tree, format, fmt.Errorf("%w: sops metadata lists no master keys", ErrMalformed)
	case err == nil:
		return tree, format, nil
	case errors.Is(err, sops.MetadataNotFound) && looksEncrypted(data):
		return tree, format, fmt.Errorf("%w: it holds encrypted values but no sops metadata (truncated?)", ErrMalformed)
	case errors.Is(err, sops.MetadataNotFound):
		return tree, format, ErrNotEncrypted
	case looksEncrypted(data) || mentionsSops(data):
		return tree, format, fmt.Errorf("%w: %s: %s", ErrMalformed, format, sanitize(err, data))
	default:
		return tree, format, fmt.Errorf("%w (not a valid %s document)", ErrNotEncrypted, format)
	}
}

func mentionsSops(data []byte) bool {
	return hasLinePrefix(data, "sops:") || hasLinePrefix(data, "sops_") || hasLinePrefix(data, "[sops]") ||
		strings.Contains(string(data), `"sops"`)
}

// ParseErrorText is a parser's error message (err) about input, without
// any of input's content: the sanitising the engine applies to its own
// errors (see sanitize), for callers that parse decrypted plaintext
// themselves, such as a values merge.
func ParseErrorText(err error, input []byte) string { return sanitize(err, input) }

// sanitize returns a parser's error message without any of the document's
// content: parsers quote the input ("unknown anchor 'x'", "invalid dotenv
// input line: x", "key-value delimiter not found: x"), and the input may be
// plaintext. Every word of the message that shares four characters in a row
// with the input (or, when shorter, occurs in it) becomes "…"; "line N" and
// "column N" stay. The result is one line of at most 200 bytes.
func sanitize(err error, input []byte) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	msg = messageWord.ReplaceAllStringFunc(msg, func(w string) string {
		if position.MatchString(w) || !sharesText(w, input) {
			return w
		}
		return "…"
	})
	if len(msg) > 200 {
		msg = strings.ToValidUTF8(msg[:200], "") + "…"
	}
	return msg
}

// panicMessage describes a recovered panic without its value, which may
// hold document content (sops panics with values in some messages): a
// runtime error's own text (the Go runtime's wording, indices and types
// only), else just the panic's type.
func panicMessage(r any) string {
	if re, ok := r.(runtime.Error); ok {
		msg := re.Error()
		if len(msg) > 200 {
			msg = strings.ToValidUTF8(msg[:200], "") + "…"
		}
		return msg
	}
	return fmt.Sprintf("panic of type %T", r)
}

var (
	// messageWord is a word of an error message, or a position in it.
	messageWord = regexp.MustCompile(`(?i)\b(?:line|column|col) \d+|[^\s'"` + "`" + `:,;()\[\]{}<>=\\]+`)
	position    = regexp.MustCompile(`(?i)^(?:line|column|col) \d+$`)
)

// sharesText reports whether w, or any four bytes in a row of it, occurs
// in input.
func sharesText(w string, input []byte) bool {
	const n = 4
	if len(w) <= n {
		return bytes.Contains(input, []byte(w))
	}
	for i := 0; i+n <= len(w); i++ {
		if bytes.Contains(input, []byte(w[i:i+n])) {
			return true
		}
	}
	return false
}

func (e *Engine) decrypt(ctx context.Context, data []byte, format Format, sc *config.StoresConfig) (out []byte, err error) {
	defer guard("decrypt", &err)
	if err := e.checkInput(data, format); err != nil {
		return nil, err
	}
	if out, ok := e.decryptLite(ctx, data, format, sc); ok {
		return e.checkOutput(out, nil)
	}
	tree, format, err := loadEncrypted(data, format, sc)
	if err != nil {
		return nil, err
	}
	var cipher sops.Cipher = aes.NewCipher()
	var rec *recordingCipher
	if e.opts.Strict && tree.Metadata.MACOnlyEncrypted {
		rec = newRecordingCipher()
		cipher = rec
	}
	if _, err := e.openTree(ctx, &tree, cipher); err != nil {
		return nil, err
	}
	if e.opts.Strict {
		if p := unauthenticatedKeys(tree.Branches, tree.Metadata.MACOnlyEncrypted, rec.decrypted, 1); len(p) > 0 {
			return nil, unauthenticatedError(p[0])
		}
	}
	out, err = format.store(sc).EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("emit %s: %w", format, err)
	}
	return e.checkOutput(out, nil)
}

// decryptLite decrypts the common case, age-keyed YAML with the default
// indentation, without the sops library's tree machinery (internal/lean/sopslite,
// ~17 % less time per small file). It reports false for anything else and for
// every failure, and the caller then runs the sops path, which gives the
// authoritative result and error; sopslite's tests prove it returns the
// same bytes as that path whenever it returns any.
func (e *Engine) decryptLite(ctx context.Context, data []byte, format Format, sc *config.StoresConfig) ([]byte, bool) {
	// With SetSopsLog on, the program wants sops' own key messages.
	// With a KeyRecord, the key service must name the key that worked.
	if e.opts.SopsOnly || sopsLogOn.Load() || recordOf(ctx) != nil || format != FormatYAML || (sc != nil && sc.YAML.Indent != 0 && sc.YAML.Indent != sopsyaml.IndentDefault) || ctx.Err() != nil {
		return nil, false
	}
	ids := e.opts.Keys.AgeIdentities
	if len(ids) == 0 && !e.opts.Keys.NoEnvironment {
		ids = e.envAge.get()
	}
	out, err := sopslite.Options{Strict: e.opts.Strict}.DecryptYAML(data, ids)
	if err != nil {
		return nil, false
	}
	fastPathRuns.Add(1)
	return out, true
}

// fastPathRuns counts the documents decryptLite decrypted, so tests can
// tell which path ran.
var fastPathRuns atomic.Int64

// openTree recovers the data key, decrypts every value in place and
// verifies the MAC. It returns the data key.
func (e *Engine) openTree(ctx context.Context, tree *sops.Tree, cipher sops.Cipher) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dataKey, err := tree.Metadata.GetDataKeyWithKeyServices(e.keyServices(ctx), sops.DefaultDecryptionOrder)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("%w (key types tried: %s%s): %s", ErrNoKey, keyTypes(tree.Metadata), shamirNote(tree.Metadata), keyErrorDetail(err))
	}
	computed, err := tree.Decrypt(dataKey, cipher)
	if err != nil {
		// sops' message quotes the ciphertext; ours names the failure only.
		return nil, ErrTampered
	}
	stored, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, dataKey, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, fmt.Errorf("%w (the MAC itself does not decrypt)", ErrMACMismatch)
	}
	s, ok := stored.(string)
	if !ok || subtle.ConstantTimeCompare([]byte(s), []byte(computed)) != 1 {
		return nil, ErrMACMismatch
	}
	return dataKey, nil
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// keyErrorDetail turns sops' data-key error into one line that says, for
// each master key, why it failed (sops keeps that in UserError()).
func keyErrorDetail(err error) string {
	msg := err.Error()
	var ue sops.UserError
	if errors.As(err, &ue) {
		msg = ue.UserError()
		// Drop the header and the generic trailer; keep the per-key lines.
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = msg[i+2:]
		}
		if i := strings.LastIndex(msg, "\n\nRecovery failed"); i >= 0 {
			msg = msg[:i]
		}
	}
	msg = ansi.ReplaceAllString(msg, "")
	// A hybrid recipient is about 2,000 characters: its start and end
	// name it well enough.
	msg = longRecipient.ReplaceAllStringFunc(msg, func(r string) string { return r[:16] + "…" + r[len(r)-8:] })
	return strings.ReplaceAll(strings.Join(strings.Fields(msg), " "), " | ", " ")
}

// longRecipient is an age recipient too long to print whole (hybrid
// age1pq1… ones; plugin recipients with long data).
var longRecipient = regexp.MustCompile(`\bage1[0-9a-z]{120,}`)

// shamirNote says, for a file with several key groups, how many of them
// must each give its share of the data key (sops' shamir_threshold; 0
// means all of them).
func shamirNote(m sops.Metadata) string {
	n := len(m.KeyGroups)
	if n < 2 {
		return ""
	}
	need := m.ShamirThreshold
	if need <= 0 || need > n {
		need = n
	}
	return fmt.Sprintf("; the file needs keys of %d of %d key groups", need, n)
}

// keyTypes lists the distinct master key types of a file, for errors.
func keyTypes(m sops.Metadata) string {
	seen := map[string]bool{}
	var out []string
	for _, g := range m.KeyGroups {
		for _, k := range g {
			t := k.TypeToIdentifier()
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// configFileFor finds the .sops.yaml that applies to path: searched from the
// file's directory upwards, then from the working directory upwards.
func configFileFor(path string) string { return sopslite.ConfigFileFor(path) }

// storesConfigFor returns the stores (indentation) settings of the
// .sops.yaml that applies to path, or nil for the defaults (also for an
// empty path). A .sops.yaml over MaxConfigSize, not a regular file, or
// with an indentation out of range is an error; one sops cannot parse
// means the defaults, as before.
func storesConfigFor(path string) (*config.StoresConfig, error) {
	if path == "" {
		return nil, nil
	}
	conf := configFileFor(path)
	if conf == "" {
		return nil, nil
	}
	return loadStoresConfig(conf)
}
