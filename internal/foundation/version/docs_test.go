package version

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The user-facing documentation must read as the project's documentation:
// no internal issue numbers, no notes about how work was organised, no
// references to files that are not in the repository, no paths of the
// author's machine. These patterns catch what slipped in before.
var (
	// "issue 18", "Issue #714".
	docIssueWord = regexp.MustCompile(`(?i)\bissues? #?\d+`)
	// "#18" standing alone; owner/repo#N (golang/go#75804) is allowed.
	docHashNumber = regexp.MustCompile(`#\d{2,}\b`)
	docOwnerRepo  = regexp.MustCompile(`[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	// Literal strings that have no place in the documentation.
	docForbidden = []string{"AGENTS.md", "/work/", "/root/"}
)

// docHygieneHits returns one line per offending spot in text (a file called
// name), empty when the text is clean.
func docHygieneHits(name, text string) []string {
	var hits []string
	for i, line := range strings.Split(text, "\n") {
		where := fmt.Sprintf("%s:%d", name, i+1)
		for _, m := range docIssueWord.FindAllString(line, -1) {
			hits = append(hits, fmt.Sprintf("%s: internal issue reference %q", where, m))
		}
		for _, loc := range docHashNumber.FindAllStringIndex(line, -1) {
			if docHashAllowed(line, loc[0]) {
				continue
			}
			hits = append(hits, fmt.Sprintf("%s: internal issue number %q (write owner/repo#N for an upstream issue)", where, line[loc[0]:loc[1]]))
		}
		for _, f := range docForbidden {
			if strings.Contains(line, f) {
				hits = append(hits, fmt.Sprintf("%s: %q", where, f))
			}
		}
	}
	return hits
}

// docHashAllowed reports whether the "#NN" at line[at:] is legitimate: an
// upstream reference owner/repo#NN, or part of a URL or a Markdown link
// target (an anchor).
func docHashAllowed(line string, at int) bool {
	before := line[:at]
	if docOwnerRepo.MatchString(before) {
		return true
	}
	if strings.HasSuffix(before, "(") || strings.HasSuffix(before, "](") {
		return true // [text](#10-section)
	}
	// The whitespace-delimited word holding it is a URL.
	start := strings.LastIndexAny(before, " \t(<\"'`") + 1
	return strings.Contains(line[start:at], "://")
}

// docFiles lists the user-facing documentation: README.md, docs/*.md and
// scripts/README.md, relative to the repository root.
func docFiles(t *testing.T) (root string, files []string) {
	t.Helper()
	root = filepath.Join("..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no docs/*.md found")
	}
	files = append([]string{filepath.Join(root, "README.md"), filepath.Join(root, "scripts", "README.md")}, docs...)
	return root, files
}

func TestDocsHaveNoInternalReferences(t *testing.T) {
	root, files := docFiles(t)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, h := range docHygieneHits(filepath.ToSlash(rel), string(b)) {
			t.Error(h)
		}
	}
}

// TestDocHygieneHits shows that the check finds what it is for and lets
// legitimate references through.
func TestDocHygieneHits(t *testing.T) {
	bad := []string{
		"Three shortcuts (issue 18: together they halved it)",
		"fixed upstream (Issue #714)",
		"as agreed in #18, the wrapper",
		"see AGENTS.md for the rules",
		"built in /work/main",
		"the key in /root/.config/sops/age/keys.txt",
	}
	for _, s := range bad {
		if len(docHygieneHits("x.md", s)) == 0 {
			t.Errorf("not flagged: %q", s)
		}
	}
	good := []string{
		"Go's os/exec (golang/go#75804) and helm/helm#32646 upstream",
		"see [Keys](#10-keys) and https://example.com/page#12",
		"<https://github.com/helm/helm/issues/32646#issuecomment-12>",
		"a 64-bit value, #1 and #2 of the list, ARGOCD_APP_NAME",
		"HELM_SECRETS_DEC_TMP_DIR is ignored; TMPDIR=/tmp",
	}
	for _, s := range good {
		if h := docHygieneHits("x.md", s); len(h) != 0 {
			t.Errorf("flagged: %q: %v", s, h)
		}
	}
}
