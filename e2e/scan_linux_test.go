//go:build linux

package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// diskScan finds a canary in the regular files under some directories. It
// remembers the files that existed when it was made (helm's plugin
// directories hold two copies of a 150 MB binary) and skips them while they
// are unchanged: a file not written since cannot hold plaintext.
type diskScan struct {
	dirs  []string
	known map[string]fileStamp
}

type fileStamp struct {
	ino, size uint64
	mtime     time.Time
}

func stampOf(info fs.FileInfo) fileStamp {
	st, _ := info.Sys().(*syscall.Stat_t)
	s := fileStamp{size: uint64(info.Size()), mtime: info.ModTime()}
	if st != nil {
		s.ino = st.Ino
	}
	return s
}

func newDiskScan(dirs ...string) *diskScan {
	s := &diskScan{dirs: dirs, known: map[string]fileStamp{}}
	s.walk(func(p string, info fs.FileInfo) { s.known[p] = stampOf(info) })
	return s
}

func (s *diskScan) walk(fn func(string, fs.FileInfo)) {
	seen := map[string]bool{}
	for _, d := range s.dirs {
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() || seen[p] {
				return nil // FIFOs, sockets and symlinks hold no data at rest
			}
			seen[p] = true
			if info, err := e.Info(); err == nil {
				fn(p, info)
			}
			return nil
		})
	}
}

// find returns the new or changed regular files that contain needle.
func (s *diskScan) find(needle string) []string {
	var hits []string
	s.walk(func(p string, info fs.FileInfo) {
		if old, ok := s.known[p]; ok && old == stampOf(info) {
			return
		}
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(needle)) {
			hits = append(hits, p)
		}
	})
	return hits
}

// privateDirsWithContent lists regular files inside our private temporary
// directories (helm-secrets-*) under tmp. Pipe directories left by a killed
// wrapper hold only dangling symlinks (or FIFOs), which is allowed.
func privateDirsWithContent(tmp string) []string {
	var out []string
	matches, _ := filepath.Glob(filepath.Join(tmp, "helm-secrets-*"))
	for _, m := range matches {
		out = append(out, testenv.RegularFiles(m)...)
	}
	return out
}

// waitNoProcs waits until no live process has sub in its command line and
// returns the ones still running after timeout.
func waitNoProcs(sub string, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		left := testenv.LiveProcesses(sub)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// envValue returns the value of name in env (last one wins).
func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, name+"="); ok {
			v = s
		}
	}
	return v
}

// copyChart copies the test chart into dir/app and returns its path, so
// the chart directory a run uses can be scanned too.
func copyChart(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, "app")
	err := filepath.WalkDir(chart(), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(chart(), p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// argvEnvLeaks reads the command line and environment of every live
// process in process group pgid and returns those that hold needle.
func argvEnvLeaks(pgid int, needle string) (leaks []string, checked int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(st), ") ")
		f := strings.Fields(rest) // state ppid pgrp ...
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) || f[0] == "Z" {
			continue
		}
		checked++
		for _, what := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), what))
			if err == nil && bytes.Contains(b, []byte(needle)) {
				leaks = append(leaks, e.Name()+" "+what)
			}
		}
	}
	return leaks, checked
}
