package gitsecrets

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/atomicfile"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// DriverName is the name of the merge and diff drivers in git's
// configuration and in .gitattributes (merge=helm-secrets diff=helm-secrets).
const DriverName = "helm-secrets"

// DefaultPatterns are the .gitattributes patterns setup writes when the
// .sops.yaml creation rules give none it can translate: helm-secrets'
// naming convention for encrypted values files, at any depth.
var DefaultPatterns = []string{"secrets*.yaml", "secrets*.yml", "secrets*.json"}

// SetupOptions are the arguments of git setup.
type SetupOptions struct {
	// Dir is a directory of the repository (default: the working directory).
	Dir string
	// Command is how git starts helm-secrets (default "helm secrets").
	Command string
	// Patterns replace the patterns taken from .sops.yaml.
	Patterns []string
	Stdout   io.Writer
}

// RunSetup registers the drivers in the repository: the git config
// entries merge.helm-secrets.{name,driver}, diff.helm-secrets.{textconv,
// cachetextconv=false} (the textconv output is plaintext: git must never
// store it) and mergetool.helm-secrets.{cmd,trustExitCode} (git mergetool
// --tool=helm-secrets resolves a conflicted file with edit), and one .gitattributes line per pattern at the top of the
// work tree. The patterns come from Patterns, else from the path_regex of
// the top-level .sops.yaml's creation rules where they translate to git
// patterns, else DefaultPatterns. Running it again changes nothing.
func RunSetup(ctx context.Context, o SetupOptions) error {
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	command := o.Command
	if command == "" {
		command = "helm secrets"
	}
	top, err := topLevel(ctx, dir)
	if err != nil {
		return err
	}
	for _, kv := range [][2]string{
		{"merge." + DriverName + ".name", "helm-secrets: merge SOPS-encrypted files key by key, in memory"},
		{"merge." + DriverName + ".driver", command + " merge-driver %O %A %B %P"},
		{"diff." + DriverName + ".textconv", command + " git textconv"},
		{"diff." + DriverName + ".cachetextconv", "false"},
		// git mergetool --tool=helm-secrets: edit decrypts the conflicted
		// file in memory, refuses to save while conflict markers remain
		// and exits non-zero when nothing was saved, so its exit code says
		// whether the file is resolved.
		{"mergetool." + DriverName + ".cmd", command + ` edit "$MERGED"`},
		{"mergetool." + DriverName + ".trustExitCode", "true"},
	} {
		if _, err := git(ctx, top, "config", "--local", kv[0], kv[1]); err != nil {
			return err
		}
		fmt.Fprintf(o.Stdout, "git config %s %q\n", kv[0], kv[1])
	}

	patterns := o.Patterns
	if len(patterns) == 0 {
		var skipped []string
		patterns, skipped = rulePatterns(filepath.Join(top, ".sops.yaml"))
		for _, re := range skipped {
			fmt.Fprintf(o.Stdout, "note: the creation rule path_regex %q has no git pattern equivalent; add one with --pattern\n", re)
		}
		if len(patterns) == 0 {
			patterns = DefaultPatterns
			fmt.Fprintf(o.Stdout, "using the default patterns %s\n", strings.Join(DefaultPatterns, " "))
		}
	}
	attrFile := filepath.Join(top, ".gitattributes")
	old, err := bounds.ReadFile(attrFile, 1<<20)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(old), "\n") {
		have[strings.Join(strings.Fields(l), " ")] = true
	}
	var add []string
	for _, p := range patterns {
		line := p + " merge=" + DriverName + " diff=" + DriverName
		if !have[line] {
			have[line] = true
			add = append(add, line)
		}
	}
	if len(add) == 0 {
		fmt.Fprintln(o.Stdout, ".gitattributes is already set up")
		return nil
	}
	text := string(old)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += strings.Join(add, "\n") + "\n"
	mode := os.FileMode(0o644)
	if st, err := os.Stat(attrFile); err == nil {
		mode = st.Mode().Perm()
	}
	if err := atomicfile.Write(attrFile, []byte(text), mode); err != nil {
		return err
	}
	for _, l := range add {
		fmt.Fprintf(o.Stdout, ".gitattributes: %s\n", l)
	}
	return nil
}

// rulePatterns reads the path_regex of every creation rule of a .sops.yaml
// and translates those it can into git patterns; skipped lists the others.
func rulePatterns(conf string) (patterns, skipped []string) {
	data, err := bounds.ReadFile(conf, bounds.MaxConfigSize)
	if err != nil {
		return nil, nil
	}
	var c struct {
		CreationRules []struct {
			PathRegex string `yaml:"path_regex"`
		} `yaml:"creation_rules"`
	}
	if yaml.Unmarshal(data, &c) != nil {
		return nil, nil
	}
	seen := map[string]bool{}
	for _, r := range c.CreationRules {
		if r.PathRegex == "" {
			continue // a catch-all rule: the default patterns apply
		}
		p, ok := GlobFromRegex(r.PathRegex)
		if !ok {
			skipped = append(skipped, r.PathRegex)
			continue
		}
		if !seen[p] {
			seen[p] = true
			patterns = append(patterns, p)
		}
	}
	return patterns, skipped
}

var (
	globRegexMeta = regexp.MustCompile(`[()|+?{}\[\]^$\\]`)
	globSpecial   = regexp.MustCompile(`[*?\[\]!#\\ ]`)
)

// GlobFromRegex translates the simple path_regex forms people write
// (`secrets\.yaml$`, `.*secrets.*\.yaml$`, `^env/prod/.*\.yaml$`,
// `(.*/)?secrets\.yaml`) into a .gitattributes pattern; ok is false for
// anything else (alternations, classes, optional parts).
func GlobFromRegex(re string) (string, bool) {
	s := re
	anchored := strings.HasPrefix(s, "^")
	s = strings.TrimPrefix(s, "^")
	s = strings.TrimSuffix(s, "$")
	anyDir := false
	for _, p := range []string{"(.*/)?", "(.+/)?", ".*/", ".+/"} {
		if strings.HasPrefix(s, p) {
			s, anyDir = s[len(p):], true
			break
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], ".*"), strings.HasPrefix(s[i:], ".+"), strings.HasPrefix(s[i:], "[^/]*"), strings.HasPrefix(s[i:], "[^/]+"):
			if strings.HasPrefix(s[i:], "[^/]") {
				i += 4
			} else {
				i++
			}
			b.WriteByte('*')
		case s[i] == '\\' && i+1 < len(s) && !isAlnum(s[i+1]):
			i++
			if globSpecial.MatchString(string(s[i])) {
				return "", false
			}
			b.WriteByte(s[i])
		case s[i] == '.':
			b.WriteByte('?')
		case globRegexMeta.MatchString(string(s[i])), globSpecial.MatchString(string(s[i])):
			return "", false
		default:
			b.WriteByte(s[i])
		}
	}
	g := b.String()
	if g == "" || g == "*" {
		return "", false
	}
	switch {
	case anyDir:
		if strings.Contains(g, "/") {
			g = "**/" + g
		}
	case !anchored && !strings.HasPrefix(g, "*"):
		// Unanchored: sops matches the regex anywhere in the path.
		if strings.Contains(g, "/") {
			g = "**/" + g
		} else {
			g = "*" + g
		}
	case anchored && !strings.Contains(g, "/"):
		g = "/" + g
	}
	return g, true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
