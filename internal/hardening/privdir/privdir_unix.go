//go:build unix

package privdir

import (
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
)

// startGuard starts the guard: the binary exe returns, in its own session
// (a signal sent to our process group does not reach it), with only
// guardEnv as its environment, its stdin the read end of a pipe whose
// write end we alone hold.
func (d *Dir) startGuard(exe func() (string, error)) error {
	path, err := exe()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	// argv[0] is fixed: the binary dispatches on it in tests (testscript).
	cmd := &exec.Cmd{
		Path:        path,
		Args:        append([]string{"helm-secrets", d.kind.Command, d.path}, d.operands...),
		Stdin:       r,
		Env:         d.kind.guardEnv(),
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	_ = r.Close()
	if err != nil {
		_ = w.Close()
		return err
	}
	d.guard, d.pipe = cmd, w
	return nil
}

// ignoreSignals: a guard outlives Ctrl-C, a CI job's SIGTERM and a closed
// terminal.
func ignoreSignals() {
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
}

// lockShared holds a shared flock on dir until unlock: a sweep can tell a
// directory in use from an abandoned one. Nothing when dir cannot be
// locked.
func lockShared(dir string) (unlock func()) {
	f := flock(dir, syscall.LOCK_SH)
	if f == nil {
		return func() {}
	}
	return func() { _ = f.Close() }
}

// tryLockExclusive takes dir's lock if nobody holds it.
func tryLockExclusive(dir string) (unlock func(), ok bool) {
	f := flock(dir, syscall.LOCK_EX|syscall.LOCK_NB)
	if f == nil {
		return nil, false
	}
	return func() { _ = f.Close() }, true
}

func flock(dir string, how int) *os.File {
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

// ownedByUs reports whether st's owner is our user.
func ownedByUs(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Getuid()
}

// lockThread keeps a child's parent-death signal (tied to the thread that
// forked it) until unlock is called after Wait.
func lockThread() (unlock func()) {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
