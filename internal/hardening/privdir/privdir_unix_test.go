//go:build unix

package privdir

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// creator is a process that makes a guarded directory, writes a secret
// into it, starts a child that holds it (sleep), prints the directory and
// the child's pid, and waits to be killed.
func creator() int {
	d, err := New(Options{Kind: testKind, Operands: []string{os.Getenv("PRIVDIR_TEST_CREATOR")}, Executable: os.Executable})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if err := os.WriteFile(filepath.Join(d.Path(), "secret"), []byte("CANARY"), 0o600); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	cmd := exec.Command("sleep", "30")
	done := d.PrepareChild(cmd)
	if err := cmd.Start(); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	d.ChildStarted(cmd.Process.Pid)
	fmt.Println(d.Path(), cmd.Process.Pid)
	_ = cmd.Wait()
	done()
	return 0
}

// TestGuardAfterSIGKILL: the creator of a guarded directory is killed
// while a child of it holds the directory: the child is stopped and the
// guard removes the directory, with Clean.
func TestGuardAfterSIGKILL(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	log := filepath.Join(t.TempDir(), "clean.log")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PRIVDIR_TEST_CREATOR="+log)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.HasPrefix(line, "error:") {
		_ = cmd.Process.Kill()
		t.Fatalf("creator: %q %v", line, err)
	}
	var dir string
	var child int
	if _, err := fmt.Sscan(line, &dir, &child); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret")); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := os.Stat(dir)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("directory still there after the creator's SIGKILL: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !childGone(child) {
		t.Error("the child still runs")
		_ = syscall.Kill(child, syscall.SIGKILL)
	}
	if got := cleaned(t, log); len(got) != 1 || got[0] != filepath.Base(dir) {
		t.Errorf("Clean ran for %q, want once for %s", got, filepath.Base(dir))
	}
}

// TestGuardedNewAndClose: a guard runs, and has exited when Close returns
// (no process of ours outlives the run).
func TestGuardedNewAndClose(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	log := filepath.Join(t.TempDir(), "clean.log")
	d, err := New(Options{Kind: testKind, Operands: []string{log}, Executable: os.Executable})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Guarded() {
		t.Fatal("no guard")
	}
	guard := d.guard
	d.Close()
	if _, err := os.Stat(d.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("directory left: %v", err)
	}
	if guard.ProcessState == nil || !childGone(guard.Process.Pid) {
		t.Fatal("the guard still runs after Close")
	}
}

// TestSweep: New removes directories of its kind that nobody holds once
// they are a minute old; a held, a young, a foreign one and a link are
// left alone.
func TestSweep(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	log := filepath.Join(t.TempDir(), "clean.log")
	old := time.Now().Add(-2 * time.Minute)
	mk := func(name string, mtime time.Time) string {
		d := filepath.Join(tmp, name)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "secret"), []byte("CANARY"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return d
	}
	abandoned := mk(testKind.Prefix+"111", old)
	held := mk(testKind.Prefix+"222", old)
	young := mk(testKind.Prefix+"333", time.Now())
	other := mk("privdir-other-444", old)
	target := mk("target", old)
	link := filepath.Join(tmp, testKind.Prefix+"555")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	unlock := lockShared(held)
	defer unlock()

	d, err := New(Options{Kind: testKind, Operands: []string{log}})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := os.Stat(abandoned); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("abandoned directory not swept: %v", err)
	}
	for _, p := range []string{held, young, other, filepath.Join(target, "secret"), link} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s swept: %v", filepath.Base(p), err)
		}
	}
	if got := cleaned(t, log); len(got) != 2 || got[0] != filepath.Base(abandoned) {
		t.Errorf("Clean ran for %q, want the abandoned directory, then the new one", got)
	}
}

// BenchmarkGuardedNewClose: what a guard costs a run (start, and the wait
// for its exit in Close).
func BenchmarkGuardedNewClose(b *testing.B) {
	b.Setenv("TMPDIR", b.TempDir())
	log := filepath.Join(b.TempDir(), "clean.log")
	for b.Loop() {
		d, err := New(Options{Kind: testKind, Operands: []string{log}, Executable: os.Executable})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}
