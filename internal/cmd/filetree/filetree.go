// Package filetree runs rotate and updatekeys over many files: every
// encrypted file below the directories named, in parallel, each written
// atomically, with a line per file and a summary.
package filetree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/parallel"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options are the flags that make rotate and updatekeys work on many
// files: -r/--recursive (directories) and --dry-run.
type Options struct {
	Recursive bool
	DryRun    bool
}

// TreeMode reports whether a rotate or updatekeys run works on a tree:
// -r or --dry-run was given, or an argument is a directory. Otherwise the
// command keeps the shell plugin's one-file behaviour.
func (t *Options) TreeMode(args []string) bool {
	if t.Recursive || t.DryRun {
		return true
	}
	for _, a := range args {
		if st, err := os.Stat(a); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// Op computes the new content of one encrypted file: out (nil: the
// file stays as it is), lines describing the change (public key
// identifiers only), or an error. It writes nothing.
type Op func(ctx context.Context, file string) (out []byte, lines []string, err error)

// treeResult is the outcome for one file.
type treeResult struct {
	file    string
	lines   []string
	changed bool
	err     error
}

// Run applies op to every encrypted file of args (files, and below
// directories) in parallel, and writes each changed file atomically
// (internal/foundation/atomicfile): a crash leaves every file old or new. Files named
// directly must be encrypted; those found below a directory that are not
// are skipped. It prints, in file order, what happened to each file, then
// a summary; any failure (the others are still done) makes the run fail.
func Run(ctx context.Context, f *cmdutil.Factory, cmd string, args []string, dryRun bool, op Op) error {
	files, skipped, err := EncryptedFiles(args)
	if err != nil {
		return f.Errorf("%s: %v", cmd, err)
	}
	results := make([]treeResult, len(files))
	parallel.Do(len(files), parallel.DefaultLimit(), func(i int) {
		r := treeResult{file: files[i]}
		var out []byte
		out, r.lines, r.err = op(ctx, r.file)
		if r.err == nil && out != nil {
			r.changed = true
			if !dryRun {
				r.err = cmdutil.WriteInPlace(r.file, out, 0o644)
			}
		}
		results[i] = r
	})

	var changed, failed int
	for _, r := range results {
		switch {
		case r.err != nil:
			failed++
			fmt.Fprintf(f.IO.ErrOut, "%s%s: error: %v\n", cmdutil.Prefix, r.file, r.err)
			continue
		case r.changed:
			changed++
		}
		for _, line := range r.lines {
			f.Infof("%s: %s", r.file, line)
		}
	}
	verb := map[string]string{"rotate": "rotated", "updatekeys": "updated"}[cmd]
	if dryRun {
		verb = "would be " + verb + " (dry run: nothing written)"
	}
	summary := fmt.Sprintf("%s: %d file(s) %s, %d unchanged, %d failed, %d skipped (not encrypted)",
		cmd, changed, verb, len(files)-changed-failed, failed, skipped)
	if failed > 0 {
		return f.Errorf("%s", summary)
	}
	f.Infof("%s", summary)
	return nil
}

// EncryptedFiles lists the files to work on: each file argument, and the
// encrypted regular files below each directory argument (symbolic links
// are not followed, .git is skipped), sorted, without duplicates. skipped
// counts the files below directories that are not encrypted.
func EncryptedFiles(args []string) (files []string, skipped int, err error) {
	seen, plain := map[string]bool{}, map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, 0, fmt.Errorf("File does not exist: %s", arg)
		}
		if !st.IsDir() {
			add(filepath.Clean(arg))
			continue
		}
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && d.Name() == ".git":
				return filepath.SkipDir
			case !d.Type().IsRegular():
				return nil
			}
			data, err := bounds.ReadFile(p, encrypt.DefaultMaxInputSize)
			if err != nil && !errors.Is(err, bounds.ErrTooLarge) {
				return err
			}
			if err == nil && encrypt.IsEncrypted(data, encrypt.DetectFormat(p, data)) {
				add(p)
			} else {
				plain[p] = true
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	for p := range plain {
		if !seen[p] {
			skipped++
		}
	}
	slices.Sort(files)
	return files, skipped, nil
}

// StaysInTree refuses a file that updatekeys or rotate -i would rewrite
// although it lies outside the tree it is named in: a symlink (or a path
// through a symlinked folder) in the tree of the .sops.yaml that applies to
// it (the working directory when none does) that resolves out of that
// tree. A repository could otherwise have a file of the user's elsewhere
// re-keyed for the recipients its own .sops.yaml lists. Naming the target
// itself still works: its own .sops.yaml then applies.
func StaysInTree(file string) error {
	root := "."
	if conf := sopslite.ConfigFileFor(file); conf != "" {
		root = filepath.Dir(conf)
	}
	if !pathpolicy.LeavesTree(root, file) {
		return nil
	}
	link := "a symlink"
	if l := pathpolicy.FirstSymlink(file); l != "" {
		link = "the symlink " + l
	}
	return fmt.Errorf("refused to rewrite %s: it goes through %s to a file outside %s (the tree of its .sops.yaml), whose recipients would be applied to it; run the command on the file the link points to", file, link, root)
}
