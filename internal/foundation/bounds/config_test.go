package bounds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadConfigBoundsPathRegex: a creation rule's path_regex over
// MaxPathRegex is refused at once, naming the file and the rule; one at
// the limit, and files that do not parse, are read.
func TestReadConfigBoundsPathRegex(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	long := write("long.yaml", "creation_rules:\n  - path_regex: ^a$\n  - path_regex: '"+strings.Repeat("(a|b)*", 150000)+"'\n    age: x\n")
	start := time.Now()
	_, err := ReadConfig(long)
	if err == nil || !strings.Contains(err.Error(), "creation rule 2: path_regex is 900000 bytes") || !strings.HasPrefix(err.Error(), long) {
		t.Errorf("long path_regex: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	for _, content := range []string{
		"creation_rules:\n  - path_regex: '" + strings.Repeat("a", MaxPathRegex) + "'\n",
		"creation_rules: [\n", "creation_rules: 1\n", "stores: {}\n", "",
	} {
		if _, err := ReadConfig(write("ok.yaml", content)); err != nil {
			t.Errorf("%.40q: %v", content, err)
		}
	}
}
