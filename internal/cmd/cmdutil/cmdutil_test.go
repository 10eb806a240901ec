package cmdutil

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
)

// The printer's rules: info is silenced by quiet, errors never are and
// prefix every line, debug only when on; URL credentials and literals are
// masked in all three.
func TestPrinter(t *testing.T) {
	var buf bytes.Buffer
	p := &Printer{ErrOut: &buf}
	p.Infof("fetched %s", "https://user:pw@example.com/x")
	p.Debugf("hidden")
	if err := p.Errorf("two\nlines %s", "secrets+literal://c2VjcmV0"); err != ErrReported {
		t.Fatalf("Errorf returned %v", err)
	}
	got := buf.String()
	if strings.Contains(got, "pw@") || strings.Contains(got, "c2VjcmV0") || strings.Contains(got, "hidden") {
		t.Fatalf("leaked or not silenced:\n%s", got)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], Prefix+"fetched https://") || lines[1] != Prefix+"two" || !strings.HasPrefix(lines[2], Prefix+"lines ") {
		t.Fatalf("lines %q", lines)
	}

	buf.Reset()
	p = &Printer{ErrOut: &buf, Quiet: true, Debug: true}
	p.Infof("info")
	p.Debugf("step %d", 1)
	if buf.String() != Prefix+"[debug] step 1\n" {
		t.Fatalf("quiet+debug: %q", buf.String())
	}
}

// Record masks what it writes (file, error) and, when the trail cannot
// be written, says so and fails: no plaintext without its record.
func TestRecord(t *testing.T) {
	var errOut bytes.Buffer
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &Factory{Printer: Printer{ErrOut: &errOut}, Audit: l}
	if err := f.Record("decrypt", "getter", "https://user:pw@example.com/s.yaml", "", nil, errors.New("bad secrets+literal://c2VjcmV0")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"command":"getter"`) || strings.Contains(string(data), "pw@") || strings.Contains(string(data), "c2VjcmV0") {
		t.Fatalf("trail:\n%s", data)
	}
	l.Close()
	if err := f.Record("decrypt", "getter", "x", "", nil, nil); err != ErrReported || !strings.Contains(errOut.String(), "refusing to go on without the audit record") {
		t.Fatalf("closed trail: %v, stderr %q", err, errOut.String())
	}
	f.Audit = nil
	if err := f.Record("decrypt", "getter", "x", "", nil, nil); err != nil {
		t.Fatalf("no trail: %v", err)
	}
}
