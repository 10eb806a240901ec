//go:build unix

package delivery

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// readSlowly opens path and reads it to the end in small pieces, pausing
// between them, as a slow or descheduled reader would; it gives up after
// limit bytes (a server that keeps sending copies never ends the stream).
func readSlowly(t *testing.T, path string, pause time.Duration, limit int) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer f.Close()
	var out bytes.Buffer
	buf := make([]byte, 7)
	for {
		time.Sleep(pause)
		n, err := f.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF || out.Len() > limit {
			return out.Bytes()
		}
		if err != nil {
			t.Error(err)
			return out.Bytes()
		}
	}
}

// TestFIFOServerOneCopyPerReader: the FIFO server (macOS, BSD) gives every
// reader exactly one copy, also a reader that reads slowly while the next
// one opens the path. With the former fixed 5 ms pause before serving the
// next reader, a reader slower than that received copy after copy.
func TestFIFOServerOneCopyPerReader(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s, err := NewFIFO()
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("password: fifo-canary\nlist: [a, b]\n")
	path, err := s.Add(0, "secrets.yaml", content)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, "secrets.yaml.dec") {
		t.Errorf("path %s", path)
	}
	// Sequential readers, each slower than the old pause.
	for i := range 3 {
		if got := readSlowly(t, path, 3*time.Millisecond, 3*len(content)); !bytes.Equal(got, content) {
			t.Fatalf("reader %d got %q", i, got)
		}
	}
	// Overlapping readers: the next opens while the one before is still
	// reading; each gets one copy. The next starts once the server has
	// renewed the FIFO for the one before (its inode changed): two opens
	// racing that rename share one copy (the documented limitation), and
	// a fixed pause between them did not always outlast the server's
	// scheduling delay on a loaded machine.
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for i := range got {
		before := testenv.Inode(t, path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = readSlowly(t, path, 2*time.Millisecond, 3*len(content))
		}()
		for deadline := time.Now().Add(10 * time.Second); testenv.Inode(t, path) == before; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("reader %d: the FIFO was not renewed", i)
			}
		}
	}
	wg.Wait()
	for i, g := range got {
		if !bytes.Equal(g, content) {
			t.Errorf("overlapping reader %d got %q", i, g)
		}
	}
	// Larger than a pipe's buffer: the write blocks until the reader
	// drains it.
	big := bytes.Repeat([]byte("k: v\n"), 40000)
	bigPath, err := s.Add(1, "big.yaml", big)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		b, err := os.ReadFile(bigPath)
		if err != nil || !bytes.Equal(b, big) {
			t.Fatalf("big reader %d: %d bytes, %v", i, len(b), err)
		}
	}
	served := s.Close()
	if len(served) != 2 {
		t.Errorf("served %q", served)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("path left after Close: %v", err)
	}
}
