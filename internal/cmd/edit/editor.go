package edit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"

	"github.com/google/shlex"

	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/hardening/privdir"
)

// EditorFromEnv returns the editor command line and the variable it came
// from: $SOPS_EDITOR, else $EDITOR, else vi.
func EditorFromEnv() (cmdline, from string) {
	for _, v := range []string{"SOPS_EDITOR", "EDITOR"} {
		if e := os.Getenv(v); e != "" {
			return e, "$" + v
		}
	}
	return "vi", "default"
}

// editorArgv splits an editor command line as a shell does for simple
// cases (quotes, backslashes; no variables or pipes): the same splitting
// sops uses, so "code --wait" works.
func editorArgv(cmdline string) ([]string, error) {
	parts, err := shlex.Split(cmdline)
	if err != nil || len(parts) == 0 {
		return nil, fmt.Errorf("cannot parse the editor command %q", cmdline)
	}
	return parts, nil
}

// editorError means the editor could not be started or did not succeed.
type editorError struct{ err error }

func (e *editorError) Error() string { return "editor failed: " + e.err.Error() }
func (e *editorError) Unwrap() error { return e.err }

// errInterrupted means a signal asked us to stop.
var errInterrupted = errors.New("interrupted")

// signalGuard keeps a signal from killing us while plaintext sits in a
// temporary file, so the file is always removed. While the editor runs,
// Ctrl+C (SIGINT, SIGQUIT) is the editor's business (it got the signal
// from the terminal too; vi ignores it), as with git; SIGTERM and SIGHUP
// are passed on to the editor and abort the edit. A signal at any other
// moment cancels the edit at once.
type signalGuard struct {
	ch     chan os.Signal
	done   chan struct{}
	cancel context.CancelFunc

	mu        sync.Mutex
	editor    *os.Process // the running editor, if any
	stopped   bool
	signalled os.Signal // the signal that aborted the edit
}

func newSignalGuard(cancel context.CancelFunc) *signalGuard {
	g := &signalGuard{ch: make(chan os.Signal, 4), done: make(chan struct{}), cancel: cancel}
	signal.Notify(g.ch, lifecycle.StopSignals...)
	go func() {
		for {
			select {
			case sig := <-g.ch:
				g.handle(sig)
			case <-g.done:
				return
			}
		}
	}()
	return g
}

func (g *signalGuard) handle(sig os.Signal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.editor != nil {
		if lifecycle.FromTerminal(sig) {
			return
		}
		g.signalled = sig
		lifecycle.Forward(g.editor, sig)
		return
	}
	g.signalled = sig
	g.cancel()
}

// interrupted returns the signal that aborted the edit, or nil.
func (g *signalGuard) interrupted() os.Signal {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.signalled
}

// stop restores the default signal handling.
func (g *signalGuard) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stopped {
		g.stopped = true
		signal.Stop(g.ch)
		close(g.done)
	}
}

// runEditor runs the user's editor on path with the command's standard
// streams and waits for it. With a guarded private directory (path holds
// plaintext), the editor gets SIGTERM if we die (Linux) and the guard
// learns its pid.
func (r *run) runEditor(g *signalGuard, dir *privdir.Dir, path string) error {
	cmdline, from := r.Editor()
	argv, err := editorArgv(cmdline)
	if err != nil {
		return &editorError{fmt.Errorf("%s: %w", from, err)}
	}
	r.Debugf("running editor %s (%s)", argv[0], from)
	cmd := exec.Command(argv[0], append(argv[1:], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.IO.In, r.IO.Out, r.IO.ErrOut
	defer dir.PrepareChild(cmd)()

	g.mu.Lock()
	if g.signalled != nil {
		g.mu.Unlock()
		return errInterrupted
	}
	err = cmd.Start()
	if err == nil {
		g.editor = cmd.Process
	}
	g.mu.Unlock()
	if err != nil {
		return &editorError{err}
	}
	dir.ChildStarted(cmd.Process.Pid)
	err = cmd.Wait()
	dir.ChildExited()
	g.mu.Lock()
	g.editor = nil
	sig := g.signalled
	g.mu.Unlock()
	if sig != nil {
		return errInterrupted
	}
	if err != nil {
		return &editorError{fmt.Errorf("%s: %w", argv[0], err)}
	}
	return nil
}
