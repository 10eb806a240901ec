//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const crashCanary = "CANARY-crash-61d2"

// TestInPlaceCrashSafety SIGKILLs the in-place commands (encrypt -i,
// decrypt -i, rotate -i, updatekeys, edit) at random moments while they
// rewrite a ~2 MB file, and again at the moment they hold their temporary
// file open (found through /proc/<pid>/fd), and checks after every kill:
// the file is byte-identical to the old version, or is the new one (for
// decrypt -i byte-identical to an uninterrupted run; otherwise it decrypts
// to the expected plaintext), never a mix; no temporary file is left in
// its directory, except a complete one from a kill between the link and
// the rename (two system calls apart), which the next run removes; edit
// leaves no plaintext in TMPDIR. HELM_SECRETS_CRASH_ITERATIONS sets the
// random kills per command (default 3); HELM_SECRETS_KILL_SEED repeats a
// run.
func TestInPlaceCrashSafety(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH (testscript.Main installs it): %v", err)
	}
	testenv.Isolate(t)
	// From the environment the test started with (Isolate cleared it).
	iterations := testenv.IntSetting(t, "HELM_SECRETS_CRASH_ITERATIONS", 3, 0)
	seed := testenv.Int64Setting(t, "HELM_SECRETS_KILL_SEED", time.Now().UnixNano())
	t.Logf("seed %d, %d random kills per command", seed, iterations)

	id1, id2 := testenv.AgeKey(t), testenv.AgeKey(t)
	keys := testenv.WriteFile(t, t.TempDir(), "keys.txt", id1.String()+"\n"+id2.String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id1, id2}, NoEnvironment: true}})
	var b strings.Builder
	b.WriteString("password: " + crashCanary + "\n")
	for i := range 60 {
		fmt.Fprintf(&b, "key%02d: %s\n", i, strings.Repeat(string(rune('a'+i%26)), 35000))
	}
	plain := b.String()
	encryptFor := func(ids ...*age.X25519Identity) string {
		r := &encrypt.Recipients{}
		for _, id := range ids {
			r.Age = append(r.Age, id.Recipient().String())
		}
		out, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: r})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	enc1, enc12 := encryptFor(id1), encryptFor(id1, id2)
	edited := strings.Replace(plain, crashCanary, crashCanary+"-edited", 1)

	type command struct {
		args   []string
		old    string            // the file before
		plain  string            // what the new version decrypts to ("" = not encrypted: byte-compare)
		newOK  func([]byte) bool // extra check of a new version
		newRef []byte            // decrypt -i: the uninterrupted result
	}
	commands := map[string]*command{
		"encrypt -i": {args: []string{"encrypt", "-i"}, old: plain, plain: plain},
		"decrypt -i": {args: []string{"decrypt", "-i"}, old: enc12},
		"rotate -i":  {args: []string{"rotate", "-i"}, old: enc12, plain: plain},
		"updatekeys": {args: []string{"updatekeys"}, old: enc1, plain: plain,
			newOK: func(b []byte) bool { return bytes.Contains(b, []byte(id2.Recipient().String())) }},
		"edit": {args: []string{"edit"}, old: enc12, plain: edited},
	}
	for n, name := range slices.Sorted(maps.Keys(commands)) {
		c := commands[name]
		t.Run(strings.Fields(name)[0], func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(n)))
			dir, tmp := t.TempDir(), t.TempDir()
			testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id1.Recipient().String()+","+id2.Recipient().String()+"\n")
			file := filepath.Join(dir, "secrets.yaml")
			env := append(os.Environ(), "SOPS_AGE_KEY_FILE="+keys, "TMPDIR="+tmp,
				"EDITOR=sed -i s/"+crashCanary+"/"+crashCanary+"-edited/")
			reset := func() {
				if err := os.WriteFile(file, []byte(c.old), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			// hot: our process holds a temporary file of dir open (named,
			// or unnamed O_TMPFILE: "dir/#123 (deleted)").
			hot := func(pid int) bool {
				fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
				for _, fd := range fds {
					l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
					if err == nil && strings.HasPrefix(l, dir+"/") && (strings.Contains(l, "/#") || strings.Contains(l, ".tmp-")) {
						return true
					}
				}
				return false
			}
			// run starts the command; it is killed after delay, or as soon as
			// it is hot when delay < 0. It reports whether it was killed, and
			// whether it was hot then.
			run := func(delay time.Duration) (killed, wasHot bool) {
				t.Helper()
				cmd := exec.Command(bin, append(c.args, file)...)
				cmd.Env, cmd.Dir = env, dir
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				var fire <-chan time.Time
				if delay >= 0 {
					fire = time.After(delay)
				} else {
					tick := time.NewTicker(500 * time.Microsecond)
					defer tick.Stop()
					fire = tick.C
				}
				for {
					select {
					case err := <-done:
						if err != nil {
							t.Fatalf("%s ended with %v before the kill: %s", name, err, out.String())
						}
						return false, false
					case <-fire:
					}
					h := hot(cmd.Process.Pid)
					if delay < 0 && !h {
						continue
					}
					_ = cmd.Process.Kill()
					err := <-done
					var ee *exec.ExitError
					if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
						return true, h
					}
					if err != nil {
						t.Fatalf("%s: %v: %s", name, err, out.String())
					}
					return false, false
				}
			}
			// isNew reports whether b is a complete new version.
			isNew := func(b []byte) bool {
				if c.plain == "" {
					return bytes.Equal(b, c.newRef)
				}
				got, err := eng.Decrypt(context.Background(), b, encrypt.FormatYAML)
				return err == nil && string(got) == c.plain && (c.newOK == nil || c.newOK(b)) && !bytes.Equal(b, []byte(c.old))
			}
			stats := map[string]int{}
			check := func(what string, killed bool) {
				t.Helper()
				// edit's guard removes the plaintext once the editor is gone.
				deadline := time.Now().Add(15 * time.Second)
				for len(testenv.LiveProcesses(tmp)) > 0 && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if left := testenv.LiveProcesses(tmp); len(left) > 0 {
					t.Errorf("%s: still running: %q", what, left)
				}
				cur, err := os.ReadFile(file)
				switch {
				case err != nil:
					t.Errorf("%s: %v", what, err)
				case string(cur) == c.old:
					if !killed {
						t.Errorf("%s: a run that finished left the file unchanged", what)
					}
					stats["old"]++
				case isNew(cur):
					stats["new"]++
				default:
					t.Errorf("%s: the file is neither the old nor the new version (%d bytes)", what, len(cur))
				}
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					switch n := e.Name(); {
					case n == "secrets.yaml" || n == ".sops.yaml":
					case strings.HasPrefix(n, ".secrets.yaml.tmp-"):
						b, _ := os.ReadFile(filepath.Join(dir, n))
						if !isNew(b) {
							t.Errorf("%s: partial temporary file left: %s (%d bytes)", what, n, len(b))
						} else {
							stats["complete temp left"]++
						}
					default:
						t.Errorf("%s: unexpected file left: %s", what, n)
					}
				}
				if files := testenv.RegularFiles(tmp); len(files) > 0 {
					t.Errorf("%s: files left in TMPDIR: %q", what, files)
				}
			}

			// An uninterrupted run: the reference and the delay range.
			reset()
			start := time.Now()
			if killed, _ := run(time.Hour); killed {
				t.Fatal("not killed, yet killed")
			}
			took := time.Since(start)
			if c.plain == "" {
				c.newRef, _ = os.ReadFile(file)
				if !strings.Contains(string(c.newRef), crashCanary) {
					t.Fatalf("decrypt -i wrote %d bytes without the secret", len(c.newRef))
				}
			}
			check("uninterrupted run", false)
			maxDelay := took * 5 / 4
			killedHot := 0
			for i := range iterations {
				reset()
				delay := time.Duration(rng.Int64N(int64(maxDelay)))
				killed, h := run(delay)
				if h {
					killedHot++
				}
				if killed {
					stats["killed"]++
				}
				check(fmt.Sprintf("kill #%d after %v (killed %t, temp file open %t)", i, delay.Round(time.Millisecond), killed, h), killed)
			}
			// Kills while the temporary file is open (mid-write, fsync,
			// link, rename): at least two per command.
			for try := 0; killedHot < 2 && try < 8; try++ {
				reset()
				killed, h := run(-1)
				if h {
					killedHot++
				}
				if killed {
					stats["killed"]++
				}
				check(fmt.Sprintf("kill with the temporary file open #%d (killed %t)", try, killed), killed)
			}
			if killedHot < 2 {
				t.Errorf("only %d kills landed while the temporary file was open", killedHot)
			}
			if stats["complete temp left"] > 0 {
				// The next run removes it (see also pkg/encrypt
				// TestWriteFileAtomicSweepsStaleTemps).
				reset()
				run(time.Hour)
				check("final run", false)
				if entries, _ := os.ReadDir(dir); len(entries) != 2 {
					t.Errorf("after a final run the directory holds %d entries", len(entries))
				}
			}
			t.Logf("%s: %d bytes, whole run %v; %d random delays in [0, %v); %d runs killed, %d of them with the temporary file open; file old %d, new %d times; complete temp files left %d",
				name, len(c.old), took.Round(time.Millisecond), iterations, maxDelay.Round(time.Millisecond), stats["killed"], killedHot,
				stats["old"], stats["new"], stats["complete temp left"])
		})
	}
}
