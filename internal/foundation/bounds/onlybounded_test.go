package bounds_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// unboundedRead matches the standard library's whole-stream reads. Outside
// this package (and test code), a read of outside input goes through
// bounds; a read that is not of outside input says why on its line or the
// line above: "// unbounded: <reason>".
var unboundedRead = regexp.MustCompile(`\b(?:io\.ReadAll|io\.LimitReader|os\.ReadFile|ioutil\.ReadAll|ioutil\.ReadFile)\(`)

func TestOnlyBoundedReads(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	skip := []string{filepath.Join("internal", "foundation", "bounds"), filepath.Join("internal", "testsupport"), "e2e", "examples", "testdata", ".git", "scripts"}
	found := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			for _, s := range skip {
				if rel == s || strings.HasSuffix(rel, string(filepath.Separator)+s) {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if !unboundedRead.MatchString(l) {
				continue
			}
			found++
			if strings.Contains(l, "// unbounded: ") || (i > 0 && strings.Contains(lines[i-1], "// unbounded: ")) {
				continue
			}
			t.Errorf("%s:%d: %s: read outside input through internal/foundation/bounds (ReadFile, ReadAll, ReadCapped), or say why it is not outside input with a \"// unbounded: <reason>\" comment", rel, i+1, strings.TrimSpace(l))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("found no read at all: the walk is broken")
	}
}
