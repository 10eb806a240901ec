package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestNoCoreDumpOfPlaintextHolders: helm-secrets decrypt and the
// downloader, blocked reading their input, are sent SIGABRT with
// GOTRACEBACK=crash after their core limit was raised to unlimited from
// outside (prlimit; as `ulimit -c unlimited` would have): they leave no
// core, because they are non-dumpable, and their own limit is 0. (Before,
// `GOTRACEBACK=crash` with `ulimit -c unlimited` left a core holding the
// plaintext; internal/hardening/nodump's test shows a control core with the canary.)
func TestNoCoreDumpOfPlaintextHolders(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH: %v", err)
	}
	// `ulimit -c unlimited` (as far as the hard limit allows) for the children.
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: old.Max, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_CORE, &old)
	if old.Max == 0 {
		t.Fatal("the hard core limit is 0: the test could not fail")
	}
	for _, args := range [][]string{{"decrypt", "/dev/stdin"}, {"downloader", "", "", "", "secrets:///dev/stdin"}} {
		dir := t.TempDir()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdin = dir, r
		cmd.Env = append(os.Environ(), "GOTRACEBACK=crash")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		pid := cmd.Process.Pid
		// Wait until it is blocked reading (its core limit set by then).
		limits := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "limits"))
			limits = string(b)
			if strings.Contains(limits, "Max core file size        0                    0") && blockedOnRead(pid) {
				break
			}
		}
		if !strings.Contains(limits, "Max core file size        0                    0") {
			t.Fatalf("%v: core limit not 0:\n%s", args, limits)
		}
		raised := unix.Prlimit(pid, unix.RLIMIT_CORE, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}, nil) == nil
		_ = cmd.Process.Signal(syscall.SIGABRT)
		_ = cmd.Wait()
		w.Close()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			t.Errorf("%v: left %s after SIGABRT (core limit raised from outside: %v)", args, e.Name(), raised)
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGABRT {
			t.Errorf("%v: did not die of SIGABRT: %v", args, cmd.ProcessState)
		}
		t.Logf("%v: died of SIGABRT, no core (core limit raised to unlimited from outside first: %v)", args, raised)
	}
}

// blockedOnRead reports whether the process sleeps (state S).
func blockedOnRead(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "S")
}
