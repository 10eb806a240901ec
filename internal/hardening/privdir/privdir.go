// Package privdir creates the private temporary directories that hold
// secret material for the length of one run (edit's decrypted file, the
// GNUPGHOME of a key import) and makes sure none outlives the run.
//
// A directory is created in os.TempDir() with mode 0700 and a name that
// starts with its Kind's prefix. While it exists, the process that made
// it holds a shared lock on it (flock; not on Windows) and, when the
// caller asks for one, a guard process watches it: a second copy of the
// binary (its main calls GuardMain first thing), in its own session and
// ignoring the catchable signals, that reads a pipe whose write end only
// the creating process holds. End-of-file on that pipe means the creator
// is done or dead (SIGKILL, the OOM killer, a crash); the guard then waits
// for the process that wrote into the directory (the editor: it gets
// SIGTERM from the kernel on Linux when we die, from the guard elsewhere),
// and removes the directory if it is still there and still ours. A guard
// that cannot be started fails New: the promise that no secret outlives
// the run rests on it.
//
// When both the creator and its guard were killed (a whole cgroup), the
// next New of the same Kind sweeps: it removes the directories of that
// Kind that are ours, at least a minute old and locked by nobody.
//
// On Windows there is no guard, no lock and no sweep: a directory left by
// a killed process stays (docs/security.md).
package privdir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Kind describes one kind of private directory and its guard process.
type Kind struct {
	// Prefix starts the directory's name (os.MkdirTemp's pattern); only
	// directories named so are ever removed by a guard or a sweep.
	Prefix string
	// Command is the guard's hidden command word: the guard runs as
	// `<binary> Command DIR OPERANDS...`.
	Command string
	// Operands is how many operands follow DIR on the guard's command line.
	Operands int
	// Env names the variables the guard inherits besides TMPDIR (which it
	// always gets, to check where the directory lies); it gets no others.
	Env []string
	// Clean, when set, runs before a directory is removed (by Close, the
	// guard or a sweep), with the operands: the gpg import stops the
	// home's gpg-agent with it.
	Clean func(dir string, operands []string)
}

// Options configure New.
type Options struct {
	// Kind is the kind of directory to create.
	Kind Kind
	// Operands are passed on to the guard's command line and to Kind.Clean
	// (Kind.Operands of them).
	Operands []string
	// Executable returns the binary to run as the guard (os.Executable for
	// the plugin's binary, whose main calls GuardMain). Nil: no guard.
	Executable func() (string, error)
}

// GuardError means the guard process could not be started; New removed
// the directory again. Its message is the cause's.
type GuardError struct{ Err error }

func (e *GuardError) Error() string { return e.Err.Error() }
func (e *GuardError) Unwrap() error { return e.Err }

// Dir is a private directory made by New. Close removes it.
type Dir struct {
	path     string
	kind     Kind
	operands []string
	unlock   func()
	removed  bool
	guard    *exec.Cmd // nil: no guard runs
	pipe     *os.File  // the guard's stdin; closing it (or dying) ends the guard
}

// staleAge: a directory younger than this is never swept (its creator
// may not have locked it yet).
const staleAge = time.Minute

// childStopWait bounds how long a guard waits for the process writing into
// the directory to exit before it removes the directory anyway.
const childStopWait = 10 * time.Second

// New sweeps stale directories of o.Kind, then creates a private directory
// (0700, in os.TempDir(), named o.Kind.Prefix...), locks it and, with
// o.Executable, starts its guard. The guard is started before the caller
// writes anything into the directory; a *GuardError means it could not be.
func New(o Options) (*Dir, error) {
	if o.Kind.Prefix == "" {
		return nil, errors.New("privdir: a Kind needs a Prefix")
	}
	if len(o.Operands) != o.Kind.Operands {
		// The guard would not recognise its command line.
		return nil, fmt.Errorf("privdir: %s takes %d operands, not %d", o.Kind.Command, o.Kind.Operands, len(o.Operands))
	}
	Sweep(o.Kind, o.Operands)
	path, err := os.MkdirTemp("", o.Kind.Prefix)
	if err != nil {
		return nil, err
	}
	// The guard may run elsewhere: give it a path that does not depend on
	// the working directory.
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	d := &Dir{path: path, kind: o.Kind, operands: o.Operands, unlock: lockShared(path)}
	if err := os.Chmod(path, 0o700); err != nil {
		d.Close()
		return nil, err
	}
	if o.Executable != nil {
		if err := d.startGuard(o.Executable); err != nil {
			d.Close()
			return nil, &GuardError{err}
		}
	}
	return d, nil
}

// Path is the directory's absolute path.
func (d *Dir) Path() string { return d.path }

// Guarded reports whether a guard process watches the directory.
func (d *Dir) Guarded() bool { return d != nil && d.guard != nil }

// Remove removes the directory (after Kind.Clean), at once; the guard and
// the lock stay until Close. A nil *Dir does nothing.
func (d *Dir) Remove() {
	if d == nil || d.removed {
		return
	}
	d.removed = true
	d.kind.remove(d.path, d.operands)
}

// Close removes the directory, ends its guard and waits for it (it finds
// the directory gone and exits: no process of ours outlives the run), and
// releases the lock. A nil *Dir does nothing.
func (d *Dir) Close() {
	if d == nil {
		return
	}
	d.Remove()
	if d.pipe != nil {
		_ = d.pipe.Close()
		d.pipe = nil
		_ = d.guard.Wait()
	}
	if d.unlock != nil {
		d.unlock()
		d.unlock = nil
	}
}

// ChildStarted tells the guard the pid of a process that writes into the
// directory (the editor): if we die, the guard waits for it to exit
// (outside Linux it sends it SIGTERM first) before removing the directory.
// ChildExited tells it the process is gone.
func (d *Dir) ChildStarted(pid int) { d.report(pid) }

// ChildExited: see ChildStarted.
func (d *Dir) ChildExited() { d.report(0) }

func (d *Dir) report(pid int) {
	if d != nil && d.pipe != nil {
		_, _ = io.WriteString(d.pipe, strconv.Itoa(pid)+"\n")
	}
}

// PrepareChild readies cmd, before cmd.Start, to run as a process that
// writes into a guarded directory: on Linux the kernel sends it SIGTERM
// when we die (even by SIGKILL), so it stops writing into the directory the
// guard is about to remove. Call done after cmd.Wait (the parent-death
// signal is tied to the thread that started the child, which is locked
// until then). Without a guard it does nothing.
func (d *Dir) PrepareChild(cmd *exec.Cmd) (done func()) {
	if !d.Guarded() {
		return func() {}
	}
	setChildDeathSignal(cmd)
	return lockThread()
}

// guardEnv is the guard's whole environment: TMPDIR and Kind.Env.
func (k Kind) guardEnv() []string {
	env := []string{}
	for _, name := range append([]string{"TMPDIR"}, k.Env...) {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// GuardMain runs a guard process when args (the command line without the
// program name) are a guard's, of one of kinds, and reports whether they
// were. The binary calls it first thing in main and exits with the code.
func GuardMain(args []string, kinds ...Kind) (int, bool) {
	for _, k := range kinds {
		if k.Command != "" && len(args) == 2+k.Operands && args[0] == k.Command {
			ignoreSignals()
			return runGuard(k, args[1], args[2:], os.Stdin), true
		}
	}
	return 0, false
}

// runGuard is the body of a guard process: it reads the pids reported on in
// until end-of-file, waits for the last one reported (if not 0) to exit,
// and removes dir if it is still one of k's; it holds a shared lock on dir
// meanwhile, so a sweep by another run leaves it alone. It returns 2 when
// dir is not one of k's to begin with.
func runGuard(k Kind, dir string, operands []string, in io.Reader) int {
	if !k.owns(dir) {
		return 2 // gone already, or not ours to remove
	}
	unlock := lockShared(dir)
	defer unlock()
	child := 0
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		child, _ = strconv.Atoi(strings.TrimSpace(sc.Text()))
	}
	// Whatever stopped the scanner, only end-of-file means the creator is
	// done.
	_, _ = io.Copy(io.Discard, in)
	if child > 0 {
		stopChild(child)
		deadline := time.Now().Add(childStopWait)
		for !childGone(child) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A child that was still writing (gpg importing, its agent
	// restarting) may write a moment longer: remove until it stays gone.
	for try := 0; try < 3 && k.owns(dir); try++ {
		if try > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		k.remove(dir, operands)
	}
	return 0
}

// remove runs Clean and removes dir.
func (k Kind) remove(dir string, operands []string) {
	if k.Clean != nil {
		k.Clean(dir, operands)
	}
	_ = os.RemoveAll(dir)
}

// owns reports whether dir is a directory of k's that we may remove: an
// absolute path directly in the temporary directory, named k.Prefix...,
// a real directory (not a link), owned by our user.
func (k Kind) owns(dir string) bool {
	if k.Prefix == "" || !filepath.IsAbs(dir) || !strings.HasPrefix(filepath.Base(dir), k.Prefix) {
		return false
	}
	base, err := filepath.Abs(os.TempDir())
	if err != nil || filepath.Dir(filepath.Clean(dir)) != base {
		return false
	}
	st, err := os.Lstat(dir)
	return err == nil && st.IsDir() && ownedByUs(st)
}

// Sweep removes the directories of k (with k.Clean, given operands) that
// neither a run nor a guard holds any more (both died): ours, at least a
// minute old, and with a free lock. New calls it; on Windows it does
// nothing.
func Sweep(k Kind, operands []string) {
	if k.Prefix == "" {
		return
	}
	base, err := filepath.Abs(os.TempDir())
	if err != nil {
		return
	}
	f, err := os.Open(base)
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	_ = f.Close()
	for _, name := range names {
		if !strings.HasPrefix(name, k.Prefix) {
			continue
		}
		dir := filepath.Join(base, name)
		st, err := os.Lstat(dir)
		if err != nil || !k.owns(dir) || time.Since(st.ModTime()) < staleAge {
			continue
		}
		if unlock, ok := tryLockExclusive(dir); ok {
			k.remove(dir, operands)
			unlock()
		}
	}
}
