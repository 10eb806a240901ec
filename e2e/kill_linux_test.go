//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const killCanary = "e2e-KILL-CANARY-3c81"

// killPath is one way of running helm-secrets that the SIGKILL loop
// interrupts.
type killPath struct {
	name  string
	argv  []string
	group bool // SIGKILL the whole process group (a cancelled CI job), not only our process
	// hot reports, just before the kill, whether plaintext is in flight
	// outside our process: helm reading the values, the edit's temporary
	// file on disk.
	hot func() bool
	// ok checks a run that was not killed.
	ok func(out []byte) error
	// after waits for the run's other processes to stop and checks what
	// the run leaves (the edited file); reset restores the file.
	after func(killed bool) error

	maxDelay                     time.Duration
	runs, killed, finished, hits int
}

// TestSIGKILLLoop starts helm-secrets on an age-encrypted values file
// holding a canary, SIGKILLs it after a random delay drawn from
// [0, 1.25 x the duration of a whole run] (start-up, decryption, delivery
// to helm, the editor, the write-back), waits, and scans the run's TMPDIR,
// working directory, chart directory and HOME for the canary in any regular
// file. The paths: the wrapper (helm-secrets template with real helm; helm
// must stop too), the getter (helm-secrets downloader, the lean
// helm-secrets-getter, and real helm with -f secrets:// killed as a process
// group with its getter child, and the downloader with
// secrets+gpg-import://, whose private GNUPGHOME must be gone), and edit (an editor that
// sleeps; our process alone or its whole group is killed; the edited file
// must be the old or the new version). The loop goes on until
// HELM_SECRETS_KILL_ITERATIONS runs (default 51) were SIGKILLed before they
// finished, then tops up each path to three kills with plaintext in flight;
// HELM_SECRETS_KILL_SEED repeats a run's delays.
func TestSIGKILLLoop(t *testing.T) {
	h := helms(t)[0]
	h.setupGetter(t)
	k := newKeys(t)
	// Read from the environment the test started with: helms() and
	// setupGetter ran testenv.Isolate, which clears HELM_SECRETS_*.
	total := testenv.IntSetting(t, "HELM_SECRETS_KILL_ITERATIONS", 51, 1)
	seed := testenv.Int64Setting(t, "HELM_SECRETS_KILL_SEED", time.Now().UnixNano())
	t.Logf("helm %s, %d kills, seed %d (HELM_SECRETS_KILL_SEED=%d repeats the delays)", h.name, total, seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6b696c6c))

	tmp, home := envValue(h.env, "TMPDIR"), envValue(h.env, "HOME")
	chartDir := copyChart(t, t.TempDir())
	control := t.TempDir() // run outputs and the editor script; not scanned
	orig := k.encrypt(t, "password: "+killCanary+"\n", encrypt.FormatYAML)
	secrets := testenv.WriteFile(t, h.work, "secrets.yaml", orig)
	editor := testenv.WriteFile(t, control, "editor.sh",
		"#!/bin/sh\nsleep 0.3\nprintf 'password: %s-edited\\n' '"+killCanary+"' > \"$1\"\n")
	if err := chmodX(editor); err != nil {
		t.Fatal(err)
	}
	env := append(append([]string{}, h.env...),
		"SOPS_AGE_KEY_FILE="+k.keyFile, "HELM_SECRETS_HELM_PATH="+h.bin, "EDITOR="+editor)
	scan := newDiskScan(tmp, h.work, chartDir, home)

	helmRuns := func() []string { return testenv.LiveProcesses(h.bin + "\x00template\x00rel\x00" + chartDir) }
	waitHelm := func(bool) error {
		if left := waitNoProcs(chartDir, 10*time.Second); len(left) > 0 {
			return fmt.Errorf("helm still running: %q", left)
		}
		return nil
	}
	rendered := func(out []byte) error {
		if !bytes.Contains(out, []byte(`password: "`+killCanary+`"`)) {
			return fmt.Errorf("output lacks the secret: %s", out)
		}
		return nil
	}
	printed := func(out []byte) error {
		if string(out) != "password: "+killCanary+"\n" {
			return fmt.Errorf("downloader printed %q", out)
		}
		return nil
	}
	// gpg-import: the private key lives in a private GNUPGHOME while the
	// downloader runs; a SIGKILLed run leaves it to the guard process.
	pk := newPGPKey(t)
	gpgSecrets := testenv.WriteFile(t, h.work, "secrets.gpg.yaml", pk.encrypt(t, "password: "+killCanary+"\n", encrypt.FormatYAML))
	gnupgHomes := func() []string {
		m, _ := filepath.Glob(filepath.Join(tmp, "helm-secrets-gnupg-*"))
		return m
	}
	editOutcome := map[string]int{}
	emptyHomes := 0
	paths := []*killPath{
		{
			name: "wrapper", argv: []string{pluginBin, "-q", "template", "rel", chartDir, "-f", "secrets.yaml"},
			hot: func() bool { return len(helmRuns()) > 0 }, ok: rendered, after: waitHelm,
		},
		{
			// The lean wrapper bin/helm-secrets-wrapper (what helm secrets
			// runs): it decrypts and serves the file itself.
			name: "lean-wrapper", argv: []string{filepath.Join(filepath.Dir(pluginBin), "helm-secrets-wrapper"), "template", "rel", chartDir, "-f", "secrets.yaml"},
			hot: func() bool { return len(helmRuns()) > 0 }, ok: rendered, after: waitHelm,
		},
		{
			name: "downloader", argv: []string{pluginBin, "downloader", "", "", "", "secrets://" + secrets},
			ok: printed, after: func(bool) error { return nil },
		},
		{
			name: "lean-getter", argv: []string{filepath.Join(filepath.Dir(pluginBin), "helm-secrets-getter"), "", "", "", "secrets://" + secrets},
			ok: printed, after: func(bool) error { return nil },
		},
		{
			name: "getter-helm", argv: []string{h.bin, "template", "rel", chartDir, "-f", "secrets://" + secrets}, group: true,
			hot: func() bool {
				for _, p := range testenv.LiveProcesses("secrets://" + secrets) {
					if strings.Contains(p, "/bin/helm-secrets") {
						return true // a downloader of ours runs
					}
				}
				return false
			},
			ok: rendered, after: waitHelm,
		},
		{
			name: "gpg-import", argv: []string{pluginBin, "downloader", "", "", "", "secrets+gpg-import://" + pk.keyFile + "?" + gpgSecrets},
			hot: func() bool { return len(gnupgHomes()) > 0 }, ok: printed,
			after: func(bool) error {
				// The guard stops the home's agent, then removes it.
				if left := waitNoProcs(tmp, 15*time.Second); len(left) > 0 {
					return fmt.Errorf("guard or gpg-agent still running: %q", left)
				}
				for _, home := range gnupgHomes() {
					// Killed between creating the home and starting its
					// guard, a run leaves it empty (no key is imported
					// before the guard runs); the next import's sweep
					// removes it once stale. Anything inside is a failure.
					if entries, err := os.ReadDir(home); err != nil || len(entries) > 0 {
						return fmt.Errorf("private GNUPGHOME left: %q", home)
					}
					emptyHomes++
					_ = os.Remove(home)
				}
				return nil
			},
		},
		{
			name: "edit", argv: []string{pluginBin, "edit", "secrets.yaml"},
			hot: func() bool { return len(privateDirsWithContent(tmp)) > 0 },
			ok:  func([]byte) error { return nil },
			after: func(killed bool) error {
				// The guard waits for the editor, then removes the directory.
				if left := waitNoProcs(tmp, 15*time.Second); len(left) > 0 {
					return fmt.Errorf("editor or edit guard still running: %q", left)
				}
				cur, err := os.ReadFile(secrets)
				if err != nil {
					return err
				}
				defer func() { _ = os.WriteFile(secrets, []byte(orig), 0o644) }()
				if string(cur) == orig {
					if !killed {
						return fmt.Errorf("an edit that ran to the end did not change the file")
					}
					editOutcome["old"]++
					return nil
				}
				plain, err := k.eng.Decrypt(context.Background(), cur, encrypt.FormatYAML)
				if err != nil || string(plain) != "password: "+killCanary+"-edited\n" {
					return fmt.Errorf("file is neither the old nor the new version (%d bytes): %v", len(cur), err)
				}
				editOutcome["new"]++
				return nil
			},
		},
	}

	// run starts p, SIGKILLs it after delay (or once hot, when delay < 0)
	// and reports whether it was killed before it finished.
	procsChecked := 0
	run := func(p *killPath, delay time.Duration) (killed bool, err error) {
		out := filepath.Join(control, "stdout")
		stdout, err := os.Create(out)
		if err != nil {
			return false, err
		}
		defer stdout.Close()
		var stderr bytes.Buffer
		cmd := exec.Command(p.argv[0], p.argv[1:]...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = h.work, env, stdout, &stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return false, err
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var fire <-chan time.Time
		if delay >= 0 {
			fire = time.After(delay)
		} else {
			c, stop := make(chan time.Time, 1), make(chan struct{})
			defer close(stop)
			fire = c
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(2 * time.Millisecond):
					}
					if p.hot() {
						c <- time.Now()
						return
					}
				}
			}()
		}
		select {
		case err := <-done:
			p.finished++
			if err != nil {
				return false, fmt.Errorf("run ended with %v before the kill: %s", err, stderr.String())
			}
			b, _ := os.ReadFile(out)
			return false, p.ok(b)
		case <-fire:
			if p.hot != nil && p.hot() {
				p.hits++
			}
			// helm, getters, editor: no secret in any argv or environment.
			leaks, n := argvEnvLeaks(cmd.Process.Pid, killCanary)
			procsChecked += n
			if len(leaks) > 0 {
				defer func() { err = errors.Join(err, fmt.Errorf("secret in %q", leaks)) }()
			}
			if p.group {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			} else {
				_ = cmd.Process.Kill()
			}
			err := <-done
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
				p.killed++
				return true, nil
			}
			p.finished++
			if err != nil {
				return false, fmt.Errorf("run ended with %v just before the kill: %s", err, stderr.String())
			}
			b, _ := os.ReadFile(out)
			return false, p.ok(b)
		}
	}
	check := func(p *killPath, what string, killed bool) {
		t.Helper()
		if err := p.after(killed); err != nil {
			t.Errorf("%s %s: %v", p.name, what, err)
		}
		if hits := scan.find(killCanary); len(hits) > 0 {
			t.Errorf("%s %s: plaintext on disk: %q", p.name, what, hits)
		}
		if files := privateDirsWithContent(tmp); len(files) > 0 {
			t.Errorf("%s %s: private directory with content left: %q", p.name, what, files)
		}
	}

	// Calibrate: three whole runs of each path, which must succeed; the
	// median duration sets the delay range (the machine is noisy).
	for _, p := range paths {
		var took []time.Duration
		for range 3 {
			start := time.Now()
			if _, err := run(p, time.Hour); err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			took = append(took, time.Since(start))
			check(p, "calibration run", false)
		}
		slices.Sort(took)
		p.maxDelay = max(took[1]*5/4, 20*time.Millisecond)
		p.finished = 0
		t.Logf("%-11s a whole run takes %v (median of 3); delays drawn from [0, %v)", p.name+":", took[1].Round(time.Millisecond), p.maxDelay.Round(time.Millisecond))
	}

	begin := time.Now()
	kills, i := 0, 0
	for ; kills < total && i < 3*total; i++ {
		// a wrapper (full, lean), a getter (downloader, lean getter, helm,
		// gpg-import), edit
		p := paths[[]int{(i / 3) % 2, 2 + (i/3)%4, 6}[i%3]]
		if p.name == "edit" && (i/3)%2 == 1 {
			p.group = true // editor killed too; the guard has its own session
		} else if p.name == "edit" {
			p.group = false
		}
		delay := time.Duration(rng.Int64N(int64(p.maxDelay)))
		p.runs++
		killed, err := run(p, delay)
		if err != nil {
			t.Errorf("%s #%d (delay %v): %v", p.name, i, delay, err)
		}
		if killed {
			kills++
		}
		check(p, fmt.Sprintf("#%d (delay %v, killed %t)", i, delay, killed), killed)
	}
	// Make sure every path with plaintext in flight was killed at that
	// moment a few times, whatever the random delays did.
	for _, p := range paths {
		for try := 0; p.hot != nil && p.hits < 3 && p.runs > 0 && try < 10; try++ {
			p.runs++
			killed, err := run(p, -1)
			if err != nil {
				t.Errorf("%s (killed when hot): %v", p.name, err)
			}
			check(p, "killed when hot", killed)
		}
	}
	if kills < total {
		t.Errorf("only %d of %d iterations were killed before they finished", kills, i)
	}
	t.Logf("%d iterations, %d of them SIGKILLed before they finished", i, kills)
	for _, p := range paths {
		t.Logf("%-11s %2d runs: %2d killed (%2d with plaintext in flight), %2d finished first", p.name, p.runs, p.killed, p.hits, p.finished)
	}
	t.Logf("edit: file left old %d times, new %d times; argv and environment of %d processes read at the kills; loop took %v",
		editOutcome["old"], editOutcome["new"], procsChecked, time.Since(begin).Round(time.Millisecond))
	t.Logf("gpg-import: %d empty private homes left (killed before the guard started; no key inside)", emptyHomes)

	// Killed wrappers leave pipe directories of dangling symlinks; the next
	// run removes them.
	stale, _ := filepath.Glob(filepath.Join(tmp, "helm-secrets-*"))
	cmd := exec.Command(pluginBin, "-q", "template", "rel", chartDir, "-f", "secrets.yaml")
	cmd.Dir, cmd.Env = h.work, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "helm-secrets-*"))
	t.Logf("%d stale private directories before a final run, %d after", len(stale), len(left))
	for _, d := range left {
		if st, err := os.Stat(d); err == nil && time.Since(st.ModTime()) < time.Minute && strings.HasPrefix(filepath.Base(d), "helm-secrets-edit-") {
			continue // an empty edit directory from a kill before its guard started: swept after a minute
		}
		t.Errorf("stale private directory not swept: %s", d)
	}
}

// TestSIGKILLPostRendererLog SIGKILLs a Helm 4 wrapper run with
// --evaluate-templates while helm post-renders (a user's post-renderer
// plugin that sleeps, chained before ours): the post-renderer message file
// (HELM_SECRETS_POST_RENDERER_LOG) is left in its private helm-secrets-PID-*
// directory, which the next run removes.
func TestSIGKILLPostRendererLog(t *testing.T) {
	var h *helmEnv
	for _, x := range helms(t) {
		if x.name == "v4" {
			h = x
		}
	}
	if h == nil {
		t.Fatal("no helm v4 (HELM4_BIN)")
	}
	h.setup(t)
	h.installPluginCopy(t, "secrets-post-renderer", "plugins/helm-secrets-post-renderer/plugin.yaml")
	src := filepath.Join(t.TempDir(), "sleepy")
	testenv.WriteFile(t, src, "plugin.yaml", "apiVersion: v1\ntype: postrenderer/v1\nname: sleepy\nversion: 1.0.0\nruntime: subprocess\n"+
		"runtimeConfig:\n  platformCommand:\n    - command: \"$HELM_PLUGIN_DIR/sleepy.sh\"\n")
	testenv.WriteFile(t, src, "sleepy.sh", "#!/bin/sh\ncat >/dev/null\nsleep 30\n")
	if err := chmodX(filepath.Join(src, "sleepy.sh")); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := h.run("plugin", "install", src, "--verify=false"); code != 0 {
		t.Fatalf("install the sleepy post-renderer: exit %d\n%s\n%s", code, out, errOut)
	}
	tmp := envValue(h.env, "TMPDIR")
	env := append(append([]string{}, h.env...), "HELM_SECRETS_HELM_PATH="+h.bin)
	logs := func() []string {
		m, _ := filepath.Glob(filepath.Join(tmp, "helm-secrets-*", "post-renderer.log"))
		return m
	}
	cmd := exec.Command(pluginBin, "--evaluate-templates", "template", "rel", chart(), "--post-renderer", "sleepy")
	cmd.Dir, cmd.Env = h.work, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for len(testenv.LiveProcesses("sleepy.sh")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	left := logs()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	if len(left) != 1 {
		t.Fatalf("while helm post-renders: message files %v (want one)\n%s", left, out.String())
	}
	if _, err := os.Stat(left[0]); err != nil {
		t.Fatalf("after SIGKILL the message file is gone already (nothing to sweep): %v", err)
	}
	// The next run (one that finishes) removes the stale directory.
	next := exec.Command(pluginBin, "--evaluate-templates", "template", "rel", chart())
	next.Dir, next.Env = h.work, env
	if b, err := next.CombinedOutput(); err != nil {
		t.Fatalf("next run: %v\n%s", err, b)
	}
	if m := logs(); len(m) > 0 {
		t.Errorf("stale post-renderer message files not swept: %v", m)
	}
	if _, err := os.Stat(filepath.Dir(left[0])); !os.IsNotExist(err) {
		t.Errorf("stale private directory %s not swept: %v", filepath.Dir(left[0]), err)
	}
}
