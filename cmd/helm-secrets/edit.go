package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/foundation/atomicfile"
	"github.com/helm-secrets/helm-secrets/internal/hardening/privdir"
	"github.com/helm-secrets/helm-secrets/internal/repo/gitsecrets"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

func newEditCmd(a *app) *cobra.Command {
	return a.fileCommand("edit FILE", "Edit secrets file and encrypt afterwards", editUsage, false,
		func(c *cobra.Command, file string) error {
			return a.runEdit(c.Context(), file)
		})
}

// errUnchanged ends an edit that changed nothing with sops' exit code
// (FileHasNotBeenModified), which scripts of the shell plugin test for.
var errUnchanged = &exitError{code: 200}

// errNothingToCreate: a new file was left empty in the editor.
var errNothingToCreate = errors.New("nothing to create")

// runEdit decrypts file into a private temporary file, runs the editor on
// it and encrypts the result back with the same data key, so unchanged
// values keep their ciphertext. The temporary directory is removed on every
// path out of this function; a signal cannot kill us while it exists, and
// if SIGKILL does, the edit guard removes it.
func (a *app) runEdit(ctx context.Context, file string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	guard := newSignalGuard(cancel)
	defer guard.stop()

	if script, ok := backend.Script(a.backend); ok {
		// A custom backend edits with its own function, as in the shell plugin.
		if err := script.EditFile(ctx, file); err != nil {
			return a.errorf("%v", err)
		}
		return nil
	}
	if err := backend.Unsupported(a.backend, "edit"); err != nil {
		return a.errorf("%v", err)
	}
	if !a.sopsBackend() {
		// noop: the file is its own plaintext; edit it directly.
		if err := a.runEditor(guard, nil, file); err != nil {
			return a.errorf("%v", err)
		}
		return nil
	}

	target := inPlaceTarget(file)
	if st, err := os.Stat(filepath.Dir(target)); err != nil || !st.IsDir() {
		return a.errorf("Directory does not exist: %s", filepath.Dir(file))
	}
	st, err := os.Stat(target)
	exists := err == nil
	switch {
	case exists && st.IsDir():
		return a.errorf("Not a file: %s is a directory", file)
	case !exists && !errors.Is(err, fs.ErrNotExist):
		return a.errorf("%v", err)
	case !exists:
		// Fail before the editor opens, not after the user typed secrets.
		if _, err := encrypt.RecipientsForFile(target); err != nil {
			return a.encryptError("editing", file, err)
		}
	}

	if exists {
		if err := a.remergeRawConflict(ctx, file, target); err != nil {
			return err
		}
	}

	// The private directory's guard is started before any plaintext
	// exists: if we are killed from here on, it removes the directory.
	dir, err := privdir.New(privdir.Options{Kind: editKind(), Executable: guardExecutable})
	var gerr *privdir.GuardError
	if errors.As(err, &gerr) {
		// The promise that no plaintext outlives a SIGKILL rests on the
		// guard: refuse rather than write it unguarded.
		return a.errorf("edit refused: cannot start the edit guard that removes the decrypted temporary file if helm-secrets is killed: %v", gerr.Err)
	}
	if err != nil {
		return a.errorf("%v", err)
	}
	defer dir.Close()
	tmpDir := dir.Path()
	tmpFile := filepath.Join(tmpDir, filepath.Base(target))
	a.debugf("editing %s (new file: %t)", file, !exists)

	var (
		edited  []byte // the text last saved in the editor
		out     []byte
		changed bool
		audited bool // the decryption's audit event is written
	)
	ctx, rec := a.keyRecord(ctx)
	for {
		out, changed, err = a.engine.EditFile(ctx, target, func(plain []byte) ([]byte, error) {
			if exists && !audited {
				// Before the plaintext goes anywhere.
				if err := a.recordDecrypt("edit", file, rec, nil); err != nil {
					return nil, err
				}
				audited = true
			}
			text := plain
			if edited != nil {
				text = edited // back from an invalid edit: keep the user's work
			}
			if err := writePrivate(tmpFile, text); err != nil {
				return nil, err
			}
			if err := a.runEditor(guard, dir, tmpFile); err != nil {
				return nil, err
			}
			data, err := os.ReadFile(tmpFile)
			if err != nil {
				return nil, err
			}
			edited = data
			if !exists && len(bytes.TrimSpace(data)) == 0 {
				return nil, errNothingToCreate
			}
			if !bytes.Equal(data, plain) && gitsecrets.HasConflictMarkers(data) {
				// A merge conflict (docs/git.md) is resolved only when no
				// value holds both sides any more.
				return nil, fmt.Errorf("%w: merge conflict markers (%s ... %s) remain: keep one value for each key and remove the markers", encrypt.ErrInvalidContent, gitsecrets.MarkerOurs, gitsecrets.MarkerTheirs)
			}
			return data, nil
		})
		if errors.Is(err, encrypt.ErrInvalidContent) && guard.interrupted() == nil && a.askRetry(ctx, err) {
			continue
		}
		break
	}
	// The plaintext is in memory now; remove it from disk before anything else.
	dir.Remove()

	what := "changed"
	if !exists {
		what = "created"
	}
	var ee *editorError
	switch {
	case guard.interrupted() != nil || errors.Is(err, errInterrupted) || (err != nil && ctx.Err() != nil):
		if sig := guard.interrupted(); sig != nil {
			return a.errorf("Interrupted (%v): %s was not %s", sig, file, what)
		}
		return a.errorf("Interrupted: %s was not %s", file, what)
	case errors.Is(err, errNothingToCreate):
		a.infof("File is empty: %s was not created", file)
		return nil
	case errors.As(err, &ee):
		return a.errorf("%v: %s was not %s", ee, file, what)
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return a.errorf("File is not encrypted: %s", file)
	case errors.Is(err, encrypt.ErrInvalidContent):
		return a.errorf("Invalid edit, %s was not %s: %v", file, what, err)
	case err != nil:
		return a.encryptError("editing", file, err)
	case !changed:
		// As sops edit, and so the shell plugin: exit 200, not rewritten.
		fmt.Fprintf(a.streams.Stderr, "%sFile has not changed, exiting: %s\n", prefix, file)
		return errUnchanged
	}
	if err := a.recordEncrypt("edit", file, rec, nil); err != nil {
		return err
	}
	if err := atomicfile.Write(target, out, 0o644); err != nil {
		return a.errorf("%v", err)
	}
	a.debugf("wrote %s", file)
	return nil
}

// remergeRawConflict turns a file that git merged without the merge
// driver (git's own conflict markers around ciphertext) into the merge
// driver's result, from the versions in git's index: an encrypted file
// whose conflicting values hold both sides between markers, which the
// edit then opens (docs/git.md). Only ciphertext is written.
func (a *app) remergeRawConflict(ctx context.Context, file, target string) error {
	raw, err := a.engine.ReadRaw(target)
	if err != nil || !gitsecrets.HasGitMarkers(raw) {
		return nil // the edit reports unreadable files as before
	}
	conflict, err := gitsecrets.RemergeFromIndex(ctx, a.engine, target, a.streams.Stderr)
	if err != nil {
		return a.errorf("%v", err)
	}
	if conflict {
		a.infof("%s held git's conflict markers around encrypted text: merged again with the merge driver; the conflicting values hold both sides between markers", file)
	} else {
		a.infof("%s held git's conflict markers around encrypted text: merged again with the merge driver, without conflicts", file)
	}
	return nil
}

// writePrivate writes a file only its owner can read.
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// askRetry offers to reopen the editor after an invalid edit, as sops does,
// when a user sits at a terminal. It reports whether to retry.
func (a *app) askRetry(ctx context.Context, cause error) bool {
	if !isTerminal(a.streams.Stdin) {
		return false
	}
	fmt.Fprintf(a.streams.Stderr, "%s%v\n%sPress Enter to return to the editor, or Ctrl+C to give up.\n", prefix, cause, prefix)
	line := make(chan bool, 1)
	go func() {
		_, err := bufio.NewReader(a.streams.Stdin).ReadString('\n')
		line <- err == nil
	}()
	select {
	case ok := <-line:
		return ok && ctx.Err() == nil
	case <-ctx.Done():
		return false
	}
}
