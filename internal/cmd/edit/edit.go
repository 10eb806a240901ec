// Package edit is the command `helm secrets edit FILE`: it decrypts FILE
// into a private temporary file, runs the user's editor on it and encrypts
// the result back with the same data key, so values the editor did not
// touch keep their ciphertext. A file that does not exist is created from
// the creation rules of .sops.yaml.
//
// The temporary file lives in a private directory (internal/hardening/privdir)
// that is removed on every way out: a normal end, an error, SIGINT, SIGTERM
// and SIGHUP (caught while the directory exists), and SIGKILL of this
// process (its guard process removes it).
//
// The command is Options and Run, as the commands of cli/cli: the binary
// parses its argv into Options, with the run's cmdutil.Factory (streams,
// engine, backend, audit trail, message format); Main prints the outcome.
package edit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/foundation/atomicfile"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/hardening/privdir"
	"github.com/helm-secrets/helm-secrets/internal/repo/gitsecrets"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options are one edit.
type Options struct {
	// Factory (required) gives the run's streams (the editor gets them,
	// and In answers the retry prompt when it is a terminal), the message
	// printer, the audit trail and the default backend: a custom backend
	// script edits with its own function, noop edits the file as it is,
	// and backends that cannot edit are refused; sops
	// (Backend.Engine() != nil) edits with Engine (nil:
	// Backend.Engine()).
	*cmdutil.Factory
	// File is the file to edit (created when missing).
	File string
	// Editor returns the editor command line and where it came from
	// ("$SOPS_EDITOR", ...). Nil: EditorFromEnv.
	Editor func() (cmdline, from string)
	// GuardExecutable returns the binary that runs the guard of the
	// private directory (the plugin's binary, whose main passes Kind() to
	// privdir.GuardMain). Nil: no guard, which the plugin never does; on
	// Unix a guard that cannot be started refuses the edit.
	GuardExecutable func() (string, error)
}

// ErrUnchanged: the editor changed nothing, so the file was not rewritten
// (the message said so). As sops edit, and so the shell plugin, the run
// exits with 200 (FileHasNotBeenModified), which scripts test for.
var ErrUnchanged = errors.New("file has not changed")

// EncryptError: the file could not be encrypted (or decrypted) with the
// keys and rules at hand. The binary words it as its encrypt command
// does ("Error while editing file: ...").
type EncryptError struct {
	File string
	Err  error
}

func (e *EncryptError) Error() string { return e.Err.Error() }
func (e *EncryptError) Unwrap() error { return e.Err }

// errNothingToCreate: a new file was left empty in the editor.
var errNothingToCreate = errors.New("nothing to create")

// Kind is edit's private directory, for privdir: the decrypted temporary
// file, and whatever the editor puts next to it (swap, backup, .save
// files), named helm-secrets-edit-... and guarded by `helm-secrets
// __edit-guard DIR`.
func Kind() privdir.Kind {
	return privdir.Kind{Prefix: "helm-secrets-edit-", Command: "__edit-guard"}
}

// Main runs the edit command: Run, with its outcome printed in the
// binary's format. An unchanged file exits with 200, as sops edit (and so
// the shell plugin) does; scripts test for it.
func Main(ctx context.Context, o *Options) error {
	err := Run(ctx, o)
	var ee *EncryptError
	var xe *cmdutil.ExitError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnchanged):
		return &cmdutil.ExitError{Code: 200}
	case errors.As(err, &ee):
		return o.EncryptError("editing", ee.File, ee.Err)
	case errors.As(err, &xe):
		return err // reported already (the audit trail)
	}
	return o.Errorf("%v", err)
}

// Run edits o.File. Errors other than ErrUnchanged, *EncryptError and
// the audit trail's (a *cmdutil.ExitError, reported already) carry the
// message to print (the file and what happened, never plaintext).
func Run(ctx context.Context, o *Options) error {
	if o.Factory == nil || o.Backend == nil {
		return errors.New("edit: Options.Factory with a Backend is required")
	}
	r := run{Options: *o, eng: o.Engine}
	if r.eng == nil {
		r.eng = r.Backend.Engine()
	}
	if r.Editor == nil {
		r.Editor = EditorFromEnv
	}
	return r.edit(ctx)
}

// run is one edit.
type run struct {
	Options
	eng *encrypt.Engine // Engine, else the backend's
}

// notef prints a message -q does not hide: the retry prompt, and why the
// file was left as it was.
func (r *run) notef(format string, args ...any) {
	fmt.Fprint(r.IO.ErrOut, cmdutil.Prefix+fmt.Sprintf(format, args...)+"\n")
}

// edit decrypts the file into a private temporary file, runs the editor
// on it and encrypts the result back. The temporary directory is removed
// on every path out of this function; a signal cannot kill us while it
// exists, and if SIGKILL does, its guard removes it.
func (r *run) edit(ctx context.Context) error {
	file := r.File
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	guard := newSignalGuard(cancel)
	defer guard.stop()

	if script, ok := backend.Script(r.Backend); ok {
		// A custom backend edits with its own function, as in the shell plugin.
		return script.EditFile(ctx, file)
	}
	if err := backend.Unsupported(r.Backend, "edit"); err != nil {
		return err
	}
	if r.Backend.Engine() == nil {
		// noop: the file is its own plaintext; edit it directly.
		return r.runEditor(guard, nil, file)
	}

	target := resolveLink(file)
	if st, err := os.Stat(filepath.Dir(target)); err != nil || !st.IsDir() {
		return fmt.Errorf("Directory does not exist: %s", filepath.Dir(file))
	}
	st, err := os.Stat(target)
	exists := err == nil
	switch {
	case exists && st.IsDir():
		return fmt.Errorf("Not a file: %s is a directory", file)
	case !exists && !errors.Is(err, fs.ErrNotExist):
		return err
	case !exists:
		// Fail before the editor opens, not after the user typed secrets.
		if _, err := encrypt.RecipientsForFile(target); err != nil {
			return &EncryptError{File: file, Err: err}
		}
	}

	if exists {
		if err := r.remergeRawConflict(ctx, file, target); err != nil {
			return err
		}
	}

	// The private directory's guard is started before any plaintext
	// exists: if we are killed from here on, it removes the directory.
	dir, err := privdir.New(privdir.Options{Kind: Kind(), Executable: r.GuardExecutable})
	var gerr *privdir.GuardError
	if errors.As(err, &gerr) {
		// The promise that no plaintext outlives a SIGKILL rests on the
		// guard: refuse rather than write it unguarded.
		return fmt.Errorf("edit refused: cannot start the edit guard that removes the decrypted temporary file if helm-secrets is killed: %w", gerr.Err)
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	tmpFile := filepath.Join(dir.Path(), filepath.Base(target))
	r.Debugf("editing %s (new file: %t)", file, !exists)

	var (
		edited  []byte // the text last saved in the editor
		out     []byte
		changed bool
		audited bool // the decryption's audit event is written
	)
	ctx, rec := r.KeyRecord(ctx)
	for {
		out, changed, err = r.eng.EditFile(ctx, target, func(plain []byte) ([]byte, error) {
			if exists && !audited {
				// Before the plaintext goes anywhere.
				if err := r.RecordDecrypt("edit", file, rec, nil); err != nil {
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
			if err := r.runEditor(guard, dir, tmpFile); err != nil {
				return nil, err
			}
			data, err := bounds.ReadFile(tmpFile, encrypt.DefaultMaxInputSize)
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
		if errors.Is(err, encrypt.ErrInvalidContent) && guard.interrupted() == nil && r.askRetry(ctx, err) {
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
			return fmt.Errorf("Interrupted (%v): %s was not %s", sig, file, what)
		}
		return fmt.Errorf("Interrupted: %s was not %s", file, what)
	case errors.Is(err, errNothingToCreate):
		r.Infof("File is empty: %s was not created", file)
		return nil
	case errors.As(err, &ee):
		return fmt.Errorf("%w: %s was not %s", ee, file, what)
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return fmt.Errorf("File is not encrypted: %s", file)
	case errors.Is(err, encrypt.ErrInvalidContent):
		return fmt.Errorf("Invalid edit, %s was not %s: %w", file, what, err)
	case err != nil:
		return &EncryptError{File: file, Err: err}
	case !changed:
		// As sops edit, and so the shell plugin: exit 200, not rewritten.
		r.notef("File has not changed, exiting: %s", file)
		return ErrUnchanged
	}
	if err := r.RecordEncrypt("edit", file, rec, nil); err != nil {
		return err
	}
	if err := atomicfile.Write(target, out, 0o644); err != nil {
		return err
	}
	r.Debugf("wrote %s", file)
	return nil
}

// remergeRawConflict turns a file that git merged without the merge
// driver (git's own conflict markers around ciphertext) into the merge
// driver's result, from the versions in git's index: an encrypted file
// whose conflicting values hold both sides between markers, which the
// edit then opens (docs/git.md). Only ciphertext is written.
func (r *run) remergeRawConflict(ctx context.Context, file, target string) error {
	raw, err := r.eng.ReadRaw(target)
	if err != nil || !gitsecrets.HasGitMarkers(raw) {
		return nil // the edit reports unreadable files as before
	}
	conflict, err := gitsecrets.RemergeFromIndex(ctx, r.eng, target, r.IO.ErrOut)
	if err != nil {
		return err
	}
	if conflict {
		r.Infof("%s held git's conflict markers around encrypted text: merged again with the merge driver; the conflicting values hold both sides between markers", file)
	} else {
		r.Infof("%s held git's conflict markers around encrypted text: merged again with the merge driver, without conflicts", file)
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
func (r *run) askRetry(ctx context.Context, cause error) bool {
	if !isTerminal(r.IO.In) {
		return false
	}
	r.notef("%v", cause)
	r.notef("Press Enter to return to the editor, or Ctrl+C to give up.")
	line := make(chan bool, 1)
	go func() {
		_, err := bufio.NewReader(r.IO.In).ReadString('\n')
		line <- err == nil
	}()
	select {
	case ok := <-line:
		return ok && ctx.Err() == nil
	case <-ctx.Done():
		return false
	}
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// resolveLink is where an in-place write of path goes: through a symlink
// to the file it points at (as sops -i does), so the link is kept.
func resolveLink(path string) string {
	if t, err := filepath.EvalSymlinks(path); err == nil {
		return t
	}
	return path
}
