package encrypt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// sparse creates a sparse file of size bytes.
func sparse(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// notRead runs f and fails when the process read more than 1 MiB meanwhile
// (rchar of /proc/self/io): the proof that a refused file was not read.
func notRead(t *testing.T, what string, f func()) {
	t.Helper()
	before := testenv.BytesRead()
	f()
	if n := testenv.BytesRead() - before; before < 0 || n > 1<<20 {
		t.Fatalf("%s: the process read %d bytes meanwhile", what, n)
	}
}

// TestSizeCapRefusesUnread: files over the cap are refused before a byte
// is read (before, the test could not tell), for one file, for a run's
// total (six files of 31 MiB each took 1.19 GB of memory), and for a
// .sops.yaml over MaxConfigSize (58 MB took 1.1 GB).
func TestSizeCapRefusesUnread(t *testing.T) {
	testenv.Isolate(t)
	dir := t.TempDir()
	eng := encrypt.New(encrypt.Options{})
	ctx := context.Background()

	huge := filepath.Join(dir, "huge.yaml")
	sparse(t, huge, 100<<20)
	notRead(t, "one file over the cap", func() {
		if _, err := eng.DecryptFile(ctx, huge); !errors.Is(err, encrypt.ErrTooLarge) || !strings.Contains(err.Error(), huge) {
			t.Fatalf("err = %v, want ErrTooLarge naming the file", err)
		}
	})

	var paths []string
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		p := filepath.Join(dir, n+".yaml")
		sparse(t, p, 31<<20)
		paths = append(paths, p)
	}
	notRead(t, "six files over the total", func() {
		_, err := eng.DecryptFilesIfEncrypted(ctx, paths)
		if !errors.Is(err, encrypt.ErrTooLarge) || !strings.Contains(err.Error(), "MaxTotalInputSize") {
			t.Fatalf("err = %v, want ErrTooLarge for the total", err)
		}
	})
	unlimited := encrypt.New(encrypt.Options{MaxTotalInputSize: -1, MaxInputSize: 1 << 10})
	if _, err := unlimited.DecryptFilesIfEncrypted(ctx, paths[:1]); !errors.Is(err, encrypt.ErrTooLarge) || strings.Contains(err.Error(), "MaxTotalInputSize") {
		t.Fatalf("no total limit: %v, want the per-file cap only", err)
	}

	cfgDir := filepath.Join(dir, "cfg")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	sparse(t, filepath.Join(cfgDir, ".sops.yaml"), 58<<20)
	v := testenv.WriteFile(t, cfgDir, "v.yaml", "a: b\n")
	notRead(t, ".sops.yaml over the cap", func() {
		_, err := eng.DecryptFilesIfEncrypted(ctx, []string{v})
		if !errors.Is(err, encrypt.ErrTooLarge) && (err == nil || !strings.Contains(err.Error(), ".sops.yaml")) {
			t.Fatalf("read: %v, want the .sops.yaml refused", err)
		}
		if _, err := eng.EncryptFile(ctx, v, encrypt.EncryptOptions{}); err == nil || !strings.Contains(err.Error(), ".sops.yaml") {
			t.Fatalf("encrypt: %v, want the .sops.yaml refused", err)
		}
	})
}

// TestFIFOAndDevicesNeverBlock: a FIFO (with no writer, os.ReadFile blocks
// forever, before helm starts) or a device as a values file or .sops.yaml
// is refused at once with an error saying what it is.
func TestFIFOAndDevicesNeverBlock(t *testing.T) {
	testenv.Isolate(t)
	dir := t.TempDir()
	eng := encrypt.New(encrypt.Options{})
	fifo := filepath.Join(dir, "values.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	cfgDir := filepath.Join(dir, "cfg")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(cfgDir, ".sops.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := testenv.WriteFile(t, cfgDir, "v.yaml", "a: b\n")
	for _, c := range []struct {
		name string
		run  func() error
		want string
	}{
		{"FIFO values, ReadFiles", func() error { _, err := eng.DecryptFilesIfEncrypted(context.Background(), []string{fifo}); return err }, "a FIFO"},
		{"FIFO values, DecryptFile", func() error { _, err := eng.DecryptFile(context.Background(), fifo); return err }, "a FIFO"},
		{"FIFO values, ReadRaw", func() error { _, err := eng.ReadRaw(fifo); return err }, "a FIFO"},
		{"/dev/zero values", func() error { _, err := eng.DecryptFilesIfEncrypted(context.Background(), []string{zero}); return err }, "a device"},
		{"FIFO .sops.yaml", func() error { _, err := eng.DecryptFilesIfEncrypted(context.Background(), []string{v}); return err }, "a FIFO"},
		{"FIFO .sops.yaml, encrypt", func() error { _, err := eng.EncryptFile(context.Background(), v, encrypt.EncryptOptions{}); return err }, "a FIFO"},
	} {
		done := make(chan error, 1)
		go func() { done <- c.run() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want a refusal (%s)", c.name, err, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: blocked for 5 s", c.name)
		}
	}
}
