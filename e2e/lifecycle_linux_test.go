//go:build linux

package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// stopWithin is how soon a stopped or orphaned process of ours must be gone
// (the promise is a second; the rest is slack for a loaded machine).
const stopWithin = 1500 * time.Millisecond

// slowBackend writes, into dir, a custom backend script whose decryption
// never ends: it starts a sleep in the background that holds the script's
// stdout (so killing the script's shell does not end the downloader's read
// of it either: work that ignores cancellation) and writes the sleep's pid
// to dir/sleep.pid. It returns the script's path; the sleep is killed (by
// its pid) at cleanup.
func slowBackend(t *testing.T, dir string) string {
	t.Helper()
	pidFile := filepath.Join(dir, "sleep.pid")
	script := testenv.WriteFile(t, dir, "slow.sh", `_custom_backend_is_file_encrypted() { return 0; }
_custom_backend_decrypt_file() {
    sleep 60 &
    echo $! > '`+pidFile+`'
    wait
}
`)
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return script
}

// waitFile waits until path exists (the slow backend is running).
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared: the backend did not start", path)
}

// waitGone reports how long pid took to end, or false if it still runs
// after stopWithin.
func waitGone(pid int) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < stopWithin {
		if !testenv.ProcessAlive(pid) {
			return time.Since(start), true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start), false
}

// lifecycleCase is one binary of ours, started on work that does not end
// by itself.
type lifecycleCase struct {
	name string
	argv []string
	// hot is the file that exists once the binary is busy ("": it is busy
	// once started).
	hot string
}

func lifecycleCases(t *testing.T) (cases []lifecycleCase, dir string, env []string) {
	t.Helper()
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	dir = t.TempDir()
	script := slowBackend(t, dir)
	testenv.WriteFile(t, dir, "secrets.yaml", "password: ENC[whatever]\n")
	bin := filepath.Dir(pluginBin)
	env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir, "HELM_SECRETS_BACKEND=" + script}
	hot := filepath.Join(dir, "sleep.pid")
	cases = []lifecycleCase{
		{"downloader", []string{pluginBin, "downloader", "", "", "", "secrets://secrets.yaml"}, hot},
		// The lean getter hands a custom backend to the full downloader.
		{"lean-getter", []string{filepath.Join(bin, "helm-secrets-getter"), "", "", "", "secrets://secrets.yaml"}, hot},
		// A vals session waits on its stdin for requests.
		{"vals", []string{filepath.Join(bin, "helm-secrets-vals"), "serve"}, ""},
	}
	return cases, dir, env
}

// TestProcessesEndWithTheirParent starts each binary of ours under a shell
// (as Helm starts a downloader), on work that never ends, and SIGKILLs the
// shell alone: our process must be gone within a second. Without the
// parent-death binding the downloader went on (in the field: a render Argo
// CD had stopped left a downloader growing to gigabytes).
func TestProcessesEndWithTheirParent(t *testing.T) {
	cases, dir, env := lifecycleCases(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_ = os.Remove(filepath.Join(dir, "sleep.pid"))
			// fd 3 keeps the test's stdin pipe for the background job
			// (which sh would give /dev/null): vals serve blocks on it.
			parent := exec.Command("sh", append([]string{"-c", `exec 3<&0; "$@" <&3 >/dev/null 2>&1 & echo $!; wait`, "sh"}, c.argv...)...)
			parent.Dir, parent.Env = dir, env
			// An *os.File, not StdinPipe: Wait would close that pipe,
			// and vals serve would end on EOF instead of on its parent.
			stdinR, stdinW, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdinW.Close()
			parent.Stdin = stdinR
			stdout, err := parent.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := parent.Start(); err != nil {
				t.Fatal(err)
			}
			stdinR.Close()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			pid, perr := strconv.Atoi(strings.TrimSpace(line))
			if err != nil || perr != nil {
				t.Fatalf("child pid: %q %v %v", line, err, perr)
			}
			defer func() { _ = syscall.Kill(pid, syscall.SIGKILL) }()
			if c.hot != "" {
				waitFile(t, c.hot)
			} else {
				time.Sleep(300 * time.Millisecond)
			}
			if !testenv.ProcessAlive(pid) {
				t.Fatalf("%s ended before its parent was killed", c.name)
			}
			_ = parent.Process.Kill()
			_ = parent.Wait()
			took, gone := waitGone(pid)
			if !gone {
				t.Fatalf("%s (pid %d) still runs %v after its parent was killed", c.name, pid, took)
			}
			t.Logf("%s ended %v after its parent", c.name, took.Round(time.Millisecond))
		})
	}
}

// TestProcessesStopOnSIGTERM sends SIGTERM to each binary busy on work that
// does not watch for cancellation: it must exit, with a failure status,
// within a second.
func TestProcessesStopOnSIGTERM(t *testing.T) {
	cases, dir, env := lifecycleCases(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_ = os.Remove(filepath.Join(dir, "sleep.pid"))
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			cmd.Dir, cmd.Env = dir, env
			// Files, not pipes: a pipe the backend's sleep inherited would
			// keep Wait waiting for the sleep.
			out, err := os.Create(filepath.Join(t.TempDir(), "out"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			cmd.Stdout, cmd.Stderr = out, out
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill() }()
			if c.hot != "" {
				waitFile(t, c.hot)
			} else {
				time.Sleep(300 * time.Millisecond)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			start := time.Now()
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err == nil {
					t.Errorf("%s exited 0 after SIGTERM", c.name)
				}
				t.Logf("%s ended %v after SIGTERM: %v", c.name, time.Since(start).Round(time.Millisecond), err)
			case <-time.After(stopWithin):
				t.Fatalf("%s still runs %v after SIGTERM", c.name, stopWithin)
			}
		})
	}
}

// TestGetterEndsWithStoppedHelm is the field case: `helm template -f
// secrets://…` stopped by a timeout (Helm SIGKILLed alone, as a repo server
// stops a render) must not leave its downloader running.
func TestGetterEndsWithStoppedHelm(t *testing.T) {
	h := helms(t)[0]
	h.setupGetter(t)
	chartDir := copyChart(t, t.TempDir())
	script := slowBackend(t, h.work)
	secrets := testenv.WriteFile(t, h.work, "secrets.yaml", "password: ENC[whatever]\n")
	cmd := exec.Command(h.bin, "template", "rel", chartDir, "-f", "secrets://"+secrets)
	cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), "HELM_SECRETS_BACKEND="+script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	waitFile(t, filepath.Join(h.work, "sleep.pid"))
	var pids []int
	for _, p := range testenv.LiveProcesses("secrets://" + secrets) {
		if strings.Contains(p, "/bin/helm-secrets") {
			pid, _ := strconv.Atoi(p[:strings.Index(p, ":")])
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		t.Fatalf("no downloader of ours runs: %q", testenv.LiveProcesses("secrets://"+secrets))
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	for _, pid := range pids {
		if took, gone := waitGone(pid); !gone {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("downloader %d still runs %v after helm was killed", pid, took)
		}
	}
}
