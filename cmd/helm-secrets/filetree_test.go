package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// treeFixture writes n encrypted files (values of about 40 KB each, so a
// rotation takes long enough to be interrupted) below dir/secrets and
// returns their paths, contents and the plaintext they all decrypt to.
func treeFixture(t *testing.T, n int) (dir, keyFile string, files []string, old map[string][]byte, plain string) {
	t.Helper()
	testenv.Isolate(t)
	dir = t.TempDir()
	id := testenv.AgeKey(t)
	keyFile = testenv.WriteFile(t, dir, "key.txt", id.String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "key%02d: %s\n", i, strings.Repeat("v", 1000))
	}
	plain = b.String()
	old = map[string][]byte{}
	for i := range n {
		out, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML,
			Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
		if err != nil {
			t.Fatal(err)
		}
		f := testenv.WriteFile(t, dir, fmt.Sprintf("secrets/app%02d/secrets.yaml", i), string(out))
		files = append(files, f)
		old[f] = out
	}
	return dir, keyFile, files, old, plain
}

// sopsDecrypts checks that the real sops CLI decrypts file to plain.
func sopsDecrypts(t *testing.T, sops, keyFile, file, plain string) {
	t.Helper()
	cmd := exec.Command(sops, "--decrypt", file)
	cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || string(out) != plain {
		t.Errorf("sops --decrypt %s: %v %s (plaintext equal: %t)", file, err, stderr.String(), string(out) == plain)
	}
}

// TestRotateTree100 rotates 100 files in one run, in parallel: every one
// has a new data key and decrypts with the sops CLI.
func TestRotateTree100(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	dir, keyFile, files, old, plain := treeFixture(t, 100)
	var stdout, stderr bytes.Buffer
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	start := time.Now()
	if code := run([]string{"rotate", "-r", filepath.Join(dir, "secrets")}, IOStreams{Stdout: &stdout, Stderr: &stderr}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	t.Logf("rotated 100 files in %s", time.Since(start))
	if !strings.Contains(stderr.String(), "rotate: 100 file(s) rotated, 0 unchanged, 0 failed, 0 skipped (not encrypted)") {
		t.Errorf("summary: %s", stderr.String())
	}
	for _, f := range files {
		now, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(now, old[f]) {
			t.Errorf("%s was not rotated", f)
		}
		sopsDecrypts(t, sops, keyFile, f, plain)
	}
}

// TestRotateTreeKilled SIGKILLs `rotate -r` over 100 files as soon as the
// first file has been replaced (and, in later rounds, a random moment
// later): every file is then byte-identical to the old version or is a
// complete new one that the sops CLI decrypts; at least one of each shows
// the kill landed mid-run.
func TestRotateTreeKilled(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH: %v", err)
	}
	dir, keyFile, files, old, plain := treeFixture(t, 100)
	inode := func(f string) os.FileInfo {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	midRun := false
	for round := range 3 {
		before := map[string]os.FileInfo{}
		for _, f := range files {
			before[f] = inode(f)
		}
		cmd := exec.Command(bin, "rotate", "-r", filepath.Join(dir, "secrets"))
		cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
	wait:
		for time.Now().Before(deadline) {
			for _, f := range files {
				if !os.SameFile(before[f], inode(f)) {
					break wait
				}
			}
		}
		time.Sleep(time.Duration(rand.IntN(20*round+1)) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		oldN, newN := 0, 0
		for _, f := range files {
			now, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(now, old[f]) {
				oldN++
				continue
			}
			newN++
			sopsDecrypts(t, sops, keyFile, f, plain)
			old[f] = now
		}
		t.Logf("round %d: %d old, %d new after SIGKILL", round, oldN, newN)
		if oldN > 0 && newN > 0 {
			midRun = true
		}
		// No half-written temporary file is left beside them.
		for _, f := range testenv.RegularFiles(filepath.Join(dir, "secrets")) {
			if strings.Contains(filepath.Base(f), ".tmp-") {
				t.Logf("complete temporary file left by a kill between link and rename: %s", f)
			}
		}
	}
	if !midRun {
		t.Error("no kill landed mid-run (every round found all files old or all new)")
	}
}
