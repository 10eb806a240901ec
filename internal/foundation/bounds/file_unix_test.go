//go:build unix

package bounds

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRefusesNonRegularWithoutBlocking: a FIFO without a writer (which
// os.ReadFile blocks on forever), a device with endless data and a
// directory are refused at once; regular files and descriptor paths read.
func TestRefusesNonRegularWithoutBlocking(t *testing.T) {
	d := t.TempDir()
	fifo := filepath.Join(d, "values.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(d, "zero.yaml")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{fifo: "a FIFO", "/dev/zero": "a device", link: "a device", d: "a directory"} {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(path, 1<<20); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want ErrNotRegular (%s)", path, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still blocked after 5 s", path)
		}
	}
	reg := filepath.Join(d, "ok.yaml")
	if err := os.WriteFile(reg, []byte("a: b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(reg, 10); err != nil || string(b) != "a: b\n" {
		t.Fatalf("regular file: %q, %v", b, err)
	}
	if _, err := ReadFile(reg, 2); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("cap: %v", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = w.WriteString("from a pipe"); w.Close() }()
	fd := "/dev/fd/" + strconv.Itoa(int(r.Fd()))
	if b, err := ReadFile(fd, 100); err != nil || string(b) != "from a pipe" {
		t.Fatalf("%s: %q, %v", fd, b, err)
	}
	for _, p := range []string{"/dev/stdin", "/dev/fd/0", "/proc/self/fd/3"} {
		if !IsDescriptor(p) {
			t.Errorf("%s is a descriptor path", p)
		}
	}
	for _, p := range []string{"/dev/zero", "/dev/fd/../zero", "/dev/stdin/x", "dev/stdin"} {
		if IsDescriptor(p) {
			t.Errorf("%s is not a descriptor path", p)
		}
	}
}
