//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// editorStopWait bounds how long the guard waits for the editor to exit
// before it removes the directory anyway.
const editorStopWait = 10 * time.Second

// staleEditDirAge: a private directory younger than this is never swept
// (its creator may not have locked it yet).
const staleEditDirAge = time.Minute

// editGuard is our end of a running guard. A nil *editGuard does nothing.
type editGuard struct {
	cmd  *exec.Cmd
	w    *os.File // the guard's stdin; closing it (or dying) ends the guard
	lock *os.File // our shared flock on the directory
}

// guardExecutable is the binary the guard runs (tests replace it).
var guardExecutable = os.Executable

// startEditGuard locks dir and starts its guard process. An error means
// no guard runs; edit then refuses to start.
func startEditGuard(dir string) (*editGuard, error) {
	g := &editGuard{lock: lockDir(dir, syscall.LOCK_SH)}
	cmd, w, err := startGuard([]string{}, editGuardCommand, dir)
	if err != nil {
		return g, err
	}
	g.cmd, g.w = cmd, w
	return g, nil
}

// startGuard starts this binary as a guard process (args: its hidden
// command word and operands) in its own session, with env as its whole
// environment; its stdin is the read end of a pipe whose write end is
// returned, held by us alone.
func startGuard(env []string, args ...string) (*exec.Cmd, *os.File, error) {
	exe, err := guardExecutable()
	if err != nil {
		return nil, nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	// argv[0] is fixed: the binary dispatches on it in tests (testscript).
	cmd := &exec.Cmd{
		Path: exe, Args: append([]string{"helm-secrets"}, args...),
		Stdin: r, Env: env,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	_ = r.Close()
	if err != nil {
		_ = w.Close()
		return nil, nil, err
	}
	return cmd, w, nil
}

// editorStarted and editorDone tell the guard which editor to wait for.
func (g *editGuard) editorStarted(pid int) { g.report(pid) }
func (g *editGuard) editorDone()           { g.report(0) }

func (g *editGuard) report(pid int) {
	if g != nil && g.w != nil {
		_, _ = fmt.Fprintf(g.w, "%d\n", pid)
	}
}

// active reports whether a guard process runs.
func (g *editGuard) active() bool { return g != nil && g.cmd != nil }

// release ends the guard after we removed the directory ourselves.
func (g *editGuard) release() {
	if g == nil {
		return
	}
	if g.w != nil {
		_ = g.w.Close()
		_ = g.cmd.Wait()
	}
	if g.lock != nil {
		_ = g.lock.Close()
	}
}

// runEditGuard is the guard process: see editguard.go.
func runEditGuard(dir string, in io.Reader) int {
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	if !isEditDir(dir) {
		return 2 // gone already, or not ours to remove
	}
	if l := lockDir(dir, syscall.LOCK_SH); l != nil {
		defer l.Close()
	}
	editor := 0
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		editor, _ = strconv.Atoi(strings.TrimSpace(sc.Text()))
	}
	if editor > 0 {
		stopEditor(editor)
		deadline := time.Now().Add(editorStopWait)
		for !processGone(editor) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if isEditDir(dir) {
		_ = os.RemoveAll(dir)
	}
	return 0
}

// isEditDir reports whether dir is an edit directory of ours: an absolute
// path named editDirPrefix*, a real directory, owned by us.
func isEditDir(dir string) bool {
	if !filepath.IsAbs(dir) || !strings.HasPrefix(filepath.Base(dir), editDirPrefix) {
		return false
	}
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Getuid()
}

// lockDir opens dir and flocks it (how: LOCK_SH, LOCK_EX|LOCK_NB, ...); nil
// if that fails.
func lockDir(dir string, how int) *os.File {
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		_ = f.Close()
		return nil
	}
	return f
}

// sweepStaleEditDirs removes edit directories that neither an edit nor a
// guard holds any more (both died, e.g. the whole cgroup was killed):
// ours, older than staleEditDirAge, and with a free lock.
func sweepStaleEditDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), editDirPrefix+"*"))
	for _, m := range matches {
		st, err := os.Lstat(m)
		if err != nil || !isEditDir(m) || time.Since(st.ModTime()) < staleEditDirAge {
			continue
		}
		if l := lockDir(m, syscall.LOCK_EX|syscall.LOCK_NB); l != nil {
			_ = os.RemoveAll(m)
			_ = l.Close()
		}
	}
}

// lockEditorThread keeps the editor's parent-death signal (tied to the
// thread that forked it) until unlock is called after Wait.
func lockEditorThread() (unlock func()) {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
