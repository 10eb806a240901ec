package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Lines stay within MaxLine whatever the fields hold.
func TestLineBound(t *testing.T) {
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = "age age1" + strings.Repeat("q", 58)
	}
	e := Event{Op: "decrypt", Command: "decrypt", File: strings.Repeat("é", 5000), Keys: keys, Error: strings.Repeat("x", 9000)}
	line := encodeLine(e)
	if len(line) > MaxLine || line[len(line)-1] != '\n' {
		t.Fatalf("line of %d bytes", len(line))
	}
	var back Event
	if err := json.Unmarshal(line, &back); err != nil {
		t.Fatal(err)
	}
}

// Loggers on separate descriptors of one file (as separate processes
// have) append whole lines: none is torn or interleaved.
func TestConcurrentAppends(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	const writers, events = 16, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Open(log)
			if err != nil {
				t.Error(err)
				return
			}
			defer l.Close()
			for i := range events {
				file := fmt.Sprintf("w%02d/%s/f%03d.yaml", w, strings.Repeat("d", 1500), i)
				if err := l.Record("decrypt", "test", file, []string{"age age1test"}, nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, MaxLine), MaxLine)
	n := 0
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Op != "decrypt" || e.PID == 0 || e.Time == "" {
			t.Fatalf("line %d: %v: %.100s", n+1, err, sc.Text())
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != writers*events {
		t.Errorf("%d lines, want %d", n, writers*events)
	}
	st, _ := os.Stat(log)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v", st.Mode().Perm())
	}
}

func TestDisabled(t *testing.T) {
	l, err := Open("")
	if err != nil || l.Enabled() || l.Record("decrypt", "x", "f", nil, errors.New("e")) != nil || l.Close() != nil {
		t.Fatal("a disabled logger must do nothing")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing", "log")); err == nil {
		t.Error("a log in a missing directory opened")
	}
}

// GitHead reads HEAD through a ref file, packed-refs and a detached HEAD.
func TestGitHead(t *testing.T) {
	root := t.TempDir()
	git := filepath.Join(root, ".git")
	const c1, c2 = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(git, "HEAD"), "ref: refs/heads/main\n")
	write(filepath.Join(git, "packed-refs"), "# pack-refs\n"+c2+" refs/heads/main\n")
	file := filepath.Join(root, "a", "b", "secrets.yaml")
	if got := GitHead(file); got != c2 {
		t.Errorf("packed: %q", got)
	}
	write(filepath.Join(git, "refs", "heads", "main"), c1+"\n")
	if got := GitHead(file); got != c1 {
		t.Errorf("loose: %q", got)
	}
	write(filepath.Join(git, "HEAD"), c2+"\n")
	if got := GitHead(file); got != c2 {
		t.Errorf("detached: %q", got)
	}
	if got := GitHead(filepath.Join(t.TempDir(), "x")); got != "" {
		t.Errorf("outside git: %q", got)
	}
}
