package gitsecrets

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlwalk"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// DiffKeysOptions are the arguments of diff-keys.
type DiffKeysOptions struct {
	Engine *encrypt.Engine
	// Dir is where git runs (default: the working directory).
	Dir string
	// Args are the command's arguments: an optional revision range
	// (A..B: two commits; A: commit A and the work tree; none: HEAD and
	// the work tree), then paths to limit the comparison to.
	Args []string
	// JSON selects the JSON output.
	JSON   bool
	Stdout io.Writer
	Stderr io.Writer
	// Decrypt, when set, replaces Engine.Decrypt.
	Decrypt DecryptFunc
}

// KeyChange is one changed key path of a file. It never holds a value.
type KeyChange struct {
	Path   string `json:"path"`
	Change string `json:"change"` // added, removed or changed
}

// FileChanges are the key changes of one encrypted file.
type FileChanges struct {
	File string `json:"file"`
	// Decrypted is false when a version could not be decrypted: then
	// the ciphertexts were compared, and a value re-encrypted without a
	// change (rotate) counts as changed.
	Decrypted bool        `json:"decrypted"`
	Note      string      `json:"note,omitempty"`
	Changes   []KeyChange `json:"changes"`
}

// RunDiffKeys lists, for every SOPS-encrypted file that differs between
// two revisions (or a revision and the work tree), the key paths added,
// removed or changed, never a value. Versions are decrypted in memory to
// compare the values; a version the user cannot decrypt is compared by
// ciphertext, and the file says so.
func RunDiffKeys(ctx context.Context, o DiffKeysOptions) error {
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	top, err := topLevel(ctx, dir)
	if err != nil {
		return err
	}
	from, to, paths, err := parseRange(ctx, dir, o.Args)
	if err != nil {
		return err
	}
	args := []string{"diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", from}
	if to != "" {
		args = append(args, to)
	}
	args = append(append(args, "--"), paths...)
	list, err := git(ctx, dir, args...)
	if err != nil {
		return err
	}
	var files []FileChanges
	for _, name := range strings.Split(string(list), "\x00") {
		if name == "" {
			continue
		}
		oldData, err := version(ctx, top, from, name)
		if err != nil {
			return err
		}
		newData, err := version(ctx, top, to, name)
		if err != nil {
			return err
		}
		fc, ok, err := o.compare(ctx, name, oldData, newData)
		if err != nil {
			return err
		}
		if ok {
			files = append(files, fc)
		}
	}
	if o.JSON {
		if files == nil {
			files = []FileChanges{}
		}
		enc := json.NewEncoder(o.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			From  string        `json:"from"`
			To    string        `json:"to"`
			Files []FileChanges `json:"files"`
		}{from, workTreeName(to), files})
	}
	w := bufio.NewWriter(o.Stdout)
	for _, f := range files {
		note := ""
		if f.Note != "" {
			note = " (" + f.Note + ")"
		}
		fmt.Fprintf(w, "%s%s\n", f.File, note)
		for _, c := range f.Changes {
			fmt.Fprintf(w, "  %s %s\n", map[string]string{"added": "+", "removed": "-", "changed": "~"}[c.Change], c.Path)
		}
	}
	return w.Flush()
}

func workTreeName(to string) string {
	if to == "" {
		return "(work tree)"
	}
	return to
}

// parseRange splits the arguments into the two sides and the paths.
func parseRange(ctx context.Context, dir string, args []string) (from, to string, paths []string, err error) {
	from = "HEAD"
	if len(args) > 0 && args[0] == "--" {
		return from, "", args[1:], nil
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		a := args[0]
		if l, r, ok := strings.Cut(a, ".."); ok && !strings.HasPrefix(r, ".") {
			if l == "" {
				l = "HEAD"
			}
			if r == "" {
				r = "HEAD"
			}
			for _, rev := range []string{l, r} {
				if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}"); err != nil {
					return "", "", nil, fmt.Errorf("diff-keys: %s is not a commit", rev)
				}
			}
			from, to, args = l, r, args[1:]
		} else if _, serr := os.Stat(filepath.Join(dir, a)); serr != nil {
			if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", a+"^{commit}"); err == nil {
				from, args = a, args[1:]
			}
		}
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	return from, to, args, nil
}

// version reads file name (relative to the top) at rev, or from the work
// tree when rev is "". A file that does not exist there is nil.
func version(ctx context.Context, top, rev, name string) ([]byte, error) {
	if rev == "" {
		// The work tree's file: regular only, bounded like git's output.
		data, err := bounds.ReadFile(filepath.Join(top, filepath.FromSlash(name)), maxGitOutput)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return data, err
	}
	if _, err := git(ctx, top, "cat-file", "-e", rev+":"+name); err != nil {
		return nil, nil
	}
	return git(ctx, top, "cat-file", "blob", rev+":"+name)
}

// compare computes the key changes of one file; ok is false for a file
// encrypted in neither version.
func (o DiffKeysOptions) compare(ctx context.Context, name string, oldData, newData []byte) (FileChanges, bool, error) {
	fc := FileChanges{File: name, Decrypted: true}
	sample := newData
	if sample == nil {
		sample = oldData
	}
	format := encrypt.DetectFormat(name, sample)
	oldEnc := oldData != nil && encrypt.IsEncrypted(oldData, format)
	newEnc := newData != nil && encrypt.IsEncrypted(newData, format)
	if !oldEnc && !newEnc {
		return fc, false, nil
	}
	var stop error
	side := func(data []byte, enc bool) (plain []byte, ok bool) {
		if data == nil {
			return nil, true
		}
		if !enc {
			return data, true
		}
		p, err := decryptFunc(o.Decrypt, o.Engine)(ctx, data, format, name)
		if errors.Is(err, ErrStop) {
			stop = err
			return nil, false
		}
		if err != nil {
			fc.Note = "not decrypted (" + reason(err) + "): ciphertexts compared"
			return nil, false
		}
		return p, true
	}
	po, okOld := side(oldData, oldEnc)
	pn, okNew := side(newData, newEnc)
	if stop != nil {
		return fc, false, stop
	}
	var before, after map[string]string
	if okOld && okNew {
		before, after = leaves(format, po, false), leaves(format, pn, false)
	} else {
		fc.Decrypted = false
		before, after = leaves(format, oldData, true), leaves(format, newData, true)
	}
	for p, v := range after {
		w, had := before[p]
		switch {
		case !had:
			fc.Changes = append(fc.Changes, KeyChange{p, "added"})
		case v != w:
			fc.Changes = append(fc.Changes, KeyChange{p, "changed"})
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			fc.Changes = append(fc.Changes, KeyChange{p, "removed"})
		}
	}
	sort.Slice(fc.Changes, func(i, j int) bool { return fc.Changes[i].Path < fc.Changes[j].Path })
	if fc.Changes == nil {
		fc.Changes = []KeyChange{}
	}
	return fc, true, nil
}

// leaves maps every leaf key path of a document to its value (compared,
// never printed). With encrypted set, data is the encrypted document and
// its sops metadata is left out.
func leaves(format encrypt.Format, data []byte, encrypted bool) map[string]string {
	out := map[string]string{}
	if data == nil {
		return out
	}
	switch format {
	case encrypt.FormatYAML, encrypt.FormatJSON:
		docs, err := parseDocs(data)
		if err != nil {
			out["(document)"] = string(data)
			return out
		}
		for i, d := range docs {
			prefix := ""
			if len(docs) > 1 {
				prefix = fmt.Sprintf("(document %d).", i+1)
			}
			r := root(d)
			if encrypted && isMap(r) {
				c := *r
				c.Content = nil
				for j := 0; j+1 < len(r.Content); j += 2 {
					if r.Content[j].Value != "sops" {
						c.Content = append(c.Content, r.Content[j], r.Content[j+1])
					}
				}
				r = &c
			}
			yamlwalk.Scalars(r, func(path []yamlwalk.Step, n *yaml.Node) {
				out[prefix+yamlwalk.Bracketed(path)] = n.ShortTag() + "\x00" + n.Value
			})
		}
	case encrypt.FormatDotenv, encrypt.FormatINI:
		section := ""
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
			if format == encrypt.FormatINI && strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
				section = strings.TrimSpace(line[1 : len(line)-1])
				continue
			}
			k, v, _ := strings.Cut(line, "=")
			k = strings.TrimSpace(k)
			if encrypted && ((format == encrypt.FormatDotenv && strings.HasPrefix(k, "sops_")) || section == "sops") {
				continue
			}
			if section != "" {
				k = section + "." + k
			}
			out[k] = strings.TrimSpace(v)
		}
	default:
		out["(file)"] = string(bytes.TrimSpace(data))
	}
	return out
}
