package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/parallel"
	"github.com/helm-secrets/helm-secrets/internal/foundation/report"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Rule identifies a kind of finding (stable: SARIF rule ids, JSON).
type Rule = report.Rule

// The findings check reports.
const (
	RuleNotEncrypted    Rule = "not-encrypted"    // a creation rule matches but the file has no sops metadata
	RuleMalformed       Rule = "malformed"        // the sops metadata is broken
	RuleMACInvalid      Rule = "mac-invalid"      // decrypted with a key: the MAC does not verify
	RuleNotRegular      Rule = "not-regular"      // a symbolic link, FIFO, ... where a sops file belongs
	RuleTooLarge        Rule = "too-large"        // over Options.MaxFileSize
	RuleUnreadable      Rule = "unreadable"       // an I/O error reading the file
	RuleRuleError       Rule = "rule-error"       // the .sops.yaml cannot be used for the file
	RuleRecipientDrift  Rule = "recipient-drift"  // recipients differ from the creation rule: updatekeys
	RuleRotationDue     Rule = "rotation-due"     // data key older than Options.MaxAge: rotate
	RulePlaintextSecret Rule = "plaintext-secret" // --plaintext-heuristics: a plain value looks like a secret
)

// Level is a finding's severity.
type Level = report.Level

// Severities, as SARIF names them.
const (
	LevelError   = report.LevelError
	LevelWarning = report.LevelWarning
)

// RuleInfo describes a rule for reports (SARIF's rule metadata).
type RuleInfo = report.RuleInfo

// Rules lists every rule, in a fixed order.
var Rules = []RuleInfo{
	{ID: RuleNotEncrypted, Level: LevelError, Description: "A .sops.yaml creation rule matches this file but it is not encrypted"},
	{ID: RuleMalformed, Level: LevelError, Description: "The file's sops metadata is malformed"},
	{ID: RuleMACInvalid, Level: LevelError, Description: "The file's MAC does not verify (tampered or corrupted)"},
	{ID: RuleNotRegular, Level: LevelError, Description: "A .sops.yaml creation rule matches this path but it is not a regular file"},
	{ID: RuleTooLarge, Level: LevelError, Description: "The file is over the size limit and was not checked"},
	{ID: RuleUnreadable, Level: LevelError, Description: "The file could not be read"},
	{ID: RuleRuleError, Level: LevelError, Description: "The .sops.yaml that applies to the file cannot be used"},
	{ID: RuleRecipientDrift, Level: LevelWarning, Description: "The file's recipients differ from its .sops.yaml creation rule (run updatekeys)"},
	{ID: RuleRotationDue, Level: LevelWarning, Description: "The file's data key is older than the maximum age (run rotate)"},
	{ID: RulePlaintextSecret, Level: LevelWarning, Description: "An unencrypted value looks like a secret"},
}

// levelOf returns the severity of rule r.
func levelOf(r Rule) Level { return report.LevelOf(Rules, r) }

// Finding is one problem with one file. It never holds a value of the
// file: only its name, key paths and public key identifiers.
type Finding struct {
	File    string   `json:"file"` // slash-separated, relative to the root
	Rule    Rule     `json:"rule"`
	Level   Level    `json:"level"`
	Message string   `json:"message"`
	Line    int      `json:"line,omitempty"`    // 1-based, when known
	Key     string   `json:"key,omitempty"`     // plaintext-secret: the key path
	Added   []string `json:"added,omitempty"`   // recipient-drift: keys the rule has and the file lacks
	Removed []string `json:"removed,omitempty"` // recipient-drift: keys the file has and the rule lacks
}

// Report is the outcome of Run.
type Report struct {
	Root     string    `json:"root"`
	Files    int       `json:"files"`    // files listed
	Matched  int       `json:"matched"`  // files a creation rule says must be encrypted
	Verified int       `json:"verified"` // of those, MAC verified with a key
	Findings []Finding `json:"findings"` // sorted by file, then line, then rule
	Time     time.Time `json:"-"`        // when the check ran (for --max-age)
	Duration string    `json:"-"`
}

// DefaultMaxFileSize is the default cap on one file's size.
const DefaultMaxFileSize = encrypt.DefaultMaxInputSize

// Options configure Run.
type Options struct {
	// Root is the repository's root (absolute, symlinks resolved); files
	// outside it are never read.
	Root string
	// Git is the git program ("git" when empty); InGit says whether Root
	// is a git work tree (list with git ls-files, honouring .gitignore).
	Git   string
	InGit bool
	// Paths restrict the check to these files and directories (default:
	// the whole tree).
	Paths []string
	// Engine, when set, decrypts each encrypted file to verify its MAC
	// (when a key for it is available; otherwise only its structure is
	// checked). Nil: structural checks only.
	Engine *encrypt.Engine
	// MaxAge, when positive, reports data keys last rotated longer ago.
	MaxAge time.Duration
	// Heuristics scans unencrypted YAML and JSON files for values that
	// look like secrets; Allow suppresses matches.
	Heuristics bool
	Allow      *AllowList
	// MaxFileSize caps each file (default DefaultMaxFileSize).
	MaxFileSize int64
	// Parallelism bounds the files checked at once (default 4 × CPUs).
	Parallelism int
	// Now is the time for MaxAge (default time.Now).
	Now time.Time
}

// Run checks the files of a repository. The error is for problems that
// stop the whole check (listing failed, a path outside the root); problems
// with single files are findings.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.Parallelism <= 0 {
		o.Parallelism = parallel.DefaultLimit()
	}
	if o.Now.IsZero() {
		o.Now = start
	}
	files, err := listFiles(ctx, o.Git, o.Root, o.InGit, o.Paths)
	if err != nil {
		return nil, err
	}
	c := &checker{o: o, rules: newRuleCache()}
	results := make([]fileResult, len(files))
	parallel.Do(len(files), o.Parallelism, func(i int) { results[i] = c.file(ctx, files[i]) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &Report{Root: o.Root, Files: len(files), Findings: []Finding{}, Time: o.Now}
	for _, res := range results {
		if res.matched {
			r.Matched++
		}
		if res.verified {
			r.Verified++
		}
		r.Findings = append(r.Findings, res.findings...)
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		switch {
		case a.File != b.File:
			return compare(a.File, b.File)
		case a.Line != b.Line:
			return a.Line - b.Line
		}
		return compare(string(a.Rule), string(b.Rule))
	})
	r.Duration = time.Since(start).Round(time.Millisecond).String()
	return r, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type checker struct {
	o     Options
	rules *ruleCache
}

// fileResult is what checking one file found.
type fileResult struct {
	matched, verified bool
	findings          []Finding
}

func (r *fileResult) add(file string, rule Rule, format string, args ...any) *Finding {
	r.findings = append(r.findings, Finding{File: file, Rule: rule, Level: levelOf(rule), Message: fmt.Sprintf(format, args...)})
	return &r.findings[len(r.findings)-1]
}

// file checks one file (rel: slash-separated, relative to the root).
func (c *checker) file(ctx context.Context, rel string) (res fileResult) {
	if ctx.Err() != nil {
		return res
	}
	abs := filepath.Join(c.o.Root, filepath.FromSlash(rel))
	rules := c.rules.forFile(abs)
	must := false
	if rules != nil {
		if rules.err != nil {
			res.add(rel, RuleRuleError, "%v", rules.err)
			return res
		}
		must = rules.requiresEncryption(abs)
	}
	scan := c.o.Heuristics && !must && scannable(rel)
	if !must && !scan {
		return res
	}
	res.matched = must
	data, ok := c.read(abs, rel, must, &res)
	if !ok {
		return res
	}
	format := encrypt.DetectFormat(abs, data)
	if !must {
		if !encrypt.IsEncrypted(data, format) {
			res.findings = append(res.findings, c.plaintextSecrets(rel, data)...)
		}
		return res
	}
	md, err := encrypt.Inspect(data, format)
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		res.add(rel, RuleNotEncrypted, "not encrypted, but a .sops.yaml creation rule (path_regex) matches it (helm secrets encrypt -i %s)", rel)
		return res
	case err != nil:
		res.add(rel, RuleMalformed, "%v", err)
		return res
	}
	if c.o.Engine != nil {
		switch _, err := c.o.Engine.Decrypt(ctx, data, format); {
		case err == nil:
			res.verified = true
		case errors.Is(err, encrypt.ErrNoKey):
			// No key here: the structural check above is all we can do.
		case errors.Is(err, encrypt.ErrMACMismatch), errors.Is(err, encrypt.ErrTampered):
			res.add(rel, RuleMACInvalid, "%v", err)
		case ctx.Err() != nil:
			return res
		default:
			res.add(rel, RuleMalformed, "%v", err)
		}
	}
	c.drift(abs, rel, md, &res)
	if c.o.MaxAge > 0 && !md.LastModified.IsZero() {
		if age := c.o.Now.Sub(md.LastModified); age > c.o.MaxAge {
			res.add(rel, RuleRotationDue, "data key last rotated %s (%d days ago), older than --max-age %s (helm secrets rotate -i %s)",
				md.LastModified.UTC().Format(time.RFC3339), int(age.Hours()/24), formatAge(c.o.MaxAge), rel)
		}
	}
	return res
}

// read reads a file for checking: only a regular file, not through a
// symbolic link, at most MaxFileSize bytes. must says whether a rule
// requires the file encrypted (then a problem is a finding; for heuristic
// scans it is skipped quietly, except an I/O error).
func (c *checker) read(abs, rel string, must bool, res *fileResult) ([]byte, bool) {
	st, err := os.Lstat(abs)
	if err != nil {
		res.add(rel, RuleUnreadable, "%v", err)
		return nil, false
	}
	if !st.Mode().IsRegular() {
		if must {
			res.add(rel, RuleNotRegular, "is %s, not a regular file: not followed, not checked", describeMode(st.Mode()))
		}
		return nil, false
	}
	if st.Size() > c.o.MaxFileSize {
		if must {
			res.add(rel, RuleTooLarge, "%d bytes, over the limit of %d bytes: not checked", st.Size(), c.o.MaxFileSize)
		}
		return nil, false
	}
	f, err := bounds.Open(abs)
	if err != nil {
		res.add(rel, RuleUnreadable, "%v", err)
		return nil, false
	}
	defer f.Close()
	if fst, err := f.Stat(); err != nil || !os.SameFile(st, fst) {
		res.add(rel, RuleUnreadable, "changed while being checked")
		return nil, false
	}
	data, err := bounds.ReadCapped(f, c.o.MaxFileSize)
	if err != nil {
		if errors.Is(err, bounds.ErrTooLarge) {
			if must {
				res.add(rel, RuleTooLarge, "over the limit of %d bytes: not checked", c.o.MaxFileSize)
			}
		} else {
			res.add(rel, RuleUnreadable, "%v", err)
		}
		return nil, false
	}
	return data, true
}

func describeMode(m os.FileMode) string {
	if m&os.ModeSymlink != 0 {
		return "a symbolic link"
	}
	return bounds.Kind(m)
}

// drift compares the file's recipients with its creation rule's.
func (c *checker) drift(abs, rel string, md encrypt.Metadata, res *fileResult) {
	want, threshold, err := encrypt.RuleKeyGroups(abs)
	if err != nil {
		res.add(rel, RuleRuleError, "recipients of its creation rule: %v", err)
		return
	}
	added, removed := groupDiff(md.KeyGroups, want)
	thresholdChanged := len(want) > 1 && threshold != md.Threshold
	if len(added) == 0 && len(removed) == 0 && !thresholdChanged {
		return
	}
	msg := fmt.Sprintf("recipients differ from .sops.yaml: %d added, %d removed", len(added), len(removed))
	if thresholdChanged {
		msg += fmt.Sprintf(", shamir threshold %d -> %d", md.Threshold, threshold)
	}
	f := res.add(rel, RuleRecipientDrift, "%s (helm secrets updatekeys %s)", msg, rel)
	f.Added, f.Removed = added, removed
}

// GroupDiff is how one key group differs between a file and its rule.
type GroupDiff struct {
	Group          int      // 1-based
	Added, Removed []string // keys only in the new list, keys only in the old one
}

// KeyDiff compares two key group lists ("type identifier" strings, as
// encrypt.Inspect gives them), group by group; groups without a
// difference are left out.
func KeyDiff(old, cur [][]string) []GroupDiff {
	var out []GroupDiff
	for i := range max(len(old), len(cur)) {
		var o, c []string
		if i < len(old) {
			o = old[i]
		}
		if i < len(cur) {
			c = cur[i]
		}
		d := GroupDiff{Group: i + 1}
		for _, k := range c {
			if !slices.Contains(o, k) {
				d.Added = append(d.Added, k)
			}
		}
		for _, k := range o {
			if !slices.Contains(c, k) {
				d.Removed = append(d.Removed, k)
			}
		}
		if len(d.Added)+len(d.Removed) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// groupDiff flattens KeyDiff(have, want), prefixing "key group N: " when
// there are several groups.
func groupDiff(have, want [][]string) (added, removed []string) {
	several := max(len(have), len(want)) > 1
	for _, d := range KeyDiff(have, want) {
		label := ""
		if several {
			label = fmt.Sprintf("key group %d: ", d.Group)
		}
		for _, k := range d.Added {
			added = append(added, label+k)
		}
		for _, k := range d.Removed {
			removed = append(removed, label+k)
		}
	}
	return added, removed
}

// formatAge prints a duration in days when it is a whole number of them.
func formatAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// ParseAge parses --max-age: a Go duration (720h) or a number of days
// (90d).
func ParseAge(s string) (time.Duration, error) {
	if n := len(s); n > 1 && s[n-1] == 'd' {
		var days int
		if _, err := fmt.Sscanf(s[:n-1], "%d", &days); err == nil && days >= 0 && fmt.Sprint(days) == s[:n-1] {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid --max-age %q: use days (90d) or a duration (720h)", s)
	}
	return d, nil
}
