package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/parallel"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// treeOptions are the flags that make rotate and updatekeys work on many
// files: -r/--recursive (directories) and --dry-run.
type treeOptions struct {
	recursive bool
	dryRun    bool
}

// treeMode reports whether a rotate or updatekeys run works on a tree:
// -r or --dry-run was given, or an argument is a directory. Otherwise the
// command keeps the shell plugin's one-file behaviour.
func (t *treeOptions) treeMode(args []string) bool {
	if t.recursive || t.dryRun {
		return true
	}
	for _, a := range args {
		if st, err := os.Stat(a); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// treeOp computes the new content of one encrypted file: out (nil: the
// file stays as it is), lines describing the change (public key
// identifiers only), or an error. It writes nothing.
type treeOp func(ctx context.Context, file string) (out []byte, lines []string, err error)

// treeResult is the outcome for one file.
type treeResult struct {
	file    string
	lines   []string
	changed bool
	err     error
}

// runTree applies op to every encrypted file of args (files, and below
// directories) in parallel, and writes each changed file atomically
// (internal/foundation/atomicfile): a crash leaves every file old or new. Files named
// directly must be encrypted; those found below a directory that are not
// are skipped. It prints, in file order, what happened to each file, then
// a summary; any failure (the others are still done) makes the run fail.
func (a *app) runTree(ctx context.Context, cmd string, args []string, dryRun bool, op treeOp) error {
	files, skipped, err := encryptedFiles(args)
	if err != nil {
		return a.errorf("%s: %v", cmd, err)
	}
	results := make([]treeResult, len(files))
	parallel.Do(len(files), parallel.DefaultLimit(), func(i int) {
		r := treeResult{file: files[i]}
		var out []byte
		out, r.lines, r.err = op(ctx, r.file)
		if r.err == nil && out != nil {
			r.changed = true
			if !dryRun {
				r.err = writeInPlace(r.file, out, 0o644)
			}
		}
		results[i] = r
	})

	var changed, failed int
	for _, r := range results {
		switch {
		case r.err != nil:
			failed++
			fmt.Fprintf(a.streams.Stderr, "%s%s: error: %v\n", prefix, r.file, r.err)
			continue
		case r.changed:
			changed++
		}
		for _, line := range r.lines {
			a.infof("%s: %s", r.file, line)
		}
	}
	verb := map[string]string{"rotate": "rotated", "updatekeys": "updated"}[cmd]
	if dryRun {
		verb = "would be " + verb + " (dry run: nothing written)"
	}
	summary := fmt.Sprintf("%s: %d file(s) %s, %d unchanged, %d failed, %d skipped (not encrypted)",
		cmd, changed, verb, len(files)-changed-failed, failed, skipped)
	if failed > 0 {
		return a.errorf("%s", summary)
	}
	a.infof("%s", summary)
	return nil
}

// encryptedFiles lists the files to work on: each file argument, and the
// encrypted regular files below each directory argument (symbolic links
// are not followed, .git is skipped), sorted, without duplicates. skipped
// counts the files below directories that are not encrypted.
func encryptedFiles(args []string) (files []string, skipped int, err error) {
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
