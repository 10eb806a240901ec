package nodump

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
)

// canary is what the crashing child holds in memory.
const canary = "NODUMP-CANARY-7f3a9c1e5b"

// TestMain: with NODUMP_CHILD set, the test binary is the crashing child:
// it applies the mode named by the variable, puts the canary on its heap
// and crashes with SIGABRT (GOTRACEBACK=crash), which dumps core.
func TestMain(m *testing.M) {
	switch os.Getenv("NODUMP_CHILD") {
	case "":
		os.Exit(m.Run())
	case "notdumpable":
		if err := NotDumpable(); err != nil {
			panic(err)
		}
	case "limitcore":
		if err := LimitCore(); err != nil {
			panic(err)
		}
	}
	held = []byte(strings.Repeat(canary, 1000))
	debug.SetTraceback("crash")
	panic("crash on purpose") // with GOTRACEBACK=crash: SIGABRT, core dump
}

// held keeps the canary on the heap of the crashing child.
var held []byte

// crash runs the child in a fresh directory with an unlimited core limit
// and returns the core files it left there.
func crash(t *testing.T, mode string) []string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODUMP_CHILD="+mode, "GOTRACEBACK=crash")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err == nil {
		t.Fatalf("%s: the child did not crash:\n%s", mode, out.String())
	}
	var cores []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "core") {
			cores = append(cores, filepath.Join(dir, e.Name()))
		}
	}
	return cores
}

// TestNoCoreDump makes a real core dump: with the core limit raised to
// unlimited (as `ulimit -c unlimited`) and core_pattern writing a file,
// a crashing child without protection leaves a core holding the canary;
// with LimitCore or NotDumpable it leaves none.
func TestNoCoreDump(t *testing.T) {
	pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	if err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &old); err != nil {
		t.Fatal(err)
	}
	unlimited := syscall.Rlimit{Cur: old.Max, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &unlimited); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_CORE, &old)
	filePattern := !strings.HasPrefix(string(pattern), "|") && !strings.Contains(string(pattern), "/") && unlimited.Cur != 0
	if filePattern {
		cores := crash(t, "unprotected")
		if len(cores) == 0 {
			t.Fatalf("control: an unprotected child left no core (core_pattern %q, limit %d): the test could not fail", strings.TrimSpace(string(pattern)), unlimited.Cur)
		}
		b, _ := os.ReadFile(cores[0])
		t.Logf("control: unprotected child left %s, %d bytes, %d canary hits", filepath.Base(cores[0]), len(b), bytes.Count(b, []byte(canary)))
		if !bytes.Contains(b, []byte(canary)) {
			t.Fatal("control core holds no canary")
		}
	} else {
		t.Logf("core_pattern %q does not write to the working directory: control not possible, checking the protected children only", strings.TrimSpace(string(pattern)))
	}
	for _, mode := range []string{"limitcore", "notdumpable"} {
		if cores := crash(t, mode); len(cores) > 0 {
			t.Errorf("%s: core left: %v", mode, cores)
		}
	}
}

// TestNotDumpable: after NotDumpable, PR_GET_DUMPABLE is 0 and the core
// limit is 0 (checked in a child, since it is irreversible).
func TestNotDumpable(t *testing.T) {
	if os.Getenv("NODUMP_FLAGS") == "1" {
		if err := NotDumpable(); err != nil {
			t.Fatal(err)
		}
		d, err := Dumpable()
		var lim syscall.Rlimit
		_ = syscall.Getrlimit(syscall.RLIMIT_CORE, &lim)
		status, _ := os.ReadFile("/proc/self/status")
		if err != nil || d || lim.Cur != 0 || lim.Max != 0 {
			t.Fatalf("dumpable %v (%v), core limit %d/%d\n%s", d, err, lim.Cur, lim.Max, status)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNotDumpable$", "-test.v")
	cmd.Env = append(os.Environ(), "NODUMP_FLAGS=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
