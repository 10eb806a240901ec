package helmargs

import "strings"

// Flag is what the plugin knows of one of helm's flags: how helm parses
// it and what the plugin does with it. Every part of the plugin that
// reads helm's command line asks this table (Lookup), so a helm flag the
// plugin cares about is one line in flags.
type Flag struct {
	Long  string // "--values"
	Short string // "-f", or "" when it has none in any command
	// Value: the flag takes the next argument as its value when not
	// written NAME=VALUE. False for switches (--debug) and for flags
	// whose value is optional (--dry-run: `--dry-run X` leaves X alone).
	Value bool
	// Sensitive: its value may carry a secret and is masked in the
	// plugin's own messages (RedactArgs).
	Sensitive bool
	// Source: the values source helm reads from its value (NotSource for
	// the other flags); the wrapper may rewrite these (Find, Rebuild).
	Source Kind
	// Rewritten: the plugin takes the flag out of helm's command line
	// and passes on its own (the post-renderer flags with
	// --evaluate-templates, PostRendererFlags).
	Rewritten bool
	// PrintsValues: with it helm prints the values or the rendered
	// secrets for people to read, so redaction of helm's output is on by
	// default and the lean wrapper leaves the command to the full one
	// (PrintsValues).
	PrintsValues bool
	// Connection: it says which cluster and namespace helm talks to; the
	// plugin passes it on to its own helm calls about the same release
	// (ConnectionArgs).
	Connection bool
	// Plugin: the helm plugin whose flag it is ("diff" for helm-diff),
	// "" for helm's own. Only its value-taking matters (Positionals).
	Plugin string
}

// flags are the helm flags the plugin knows about. Their names and
// whether they take a value are checked against helm v3's and v4's own
// flag sets (flags_test.go): helm renaming one fails that test.
var flags = []Flag{
	{Long: "--values", Short: "-f", Value: true, Source: Values},
	{Long: "--set", Value: true, Sensitive: true, Source: Set},
	{Long: "--set-string", Value: true, Sensitive: true, Source: SetString},
	{Long: "--set-json", Value: true, Sensitive: true, Source: SetJSON},
	{Long: "--set-file", Value: true, Sensitive: true, Source: SetFile},
	{Long: "--set-literal", Value: true, Sensitive: true}, // taken literally by helm: never decrypted
	{Long: PostRenderer, Value: true, Rewritten: true},
	{Long: PostRendererArgs, Value: true, Rewritten: true},
	{Long: "--debug", PrintsValues: true},
	{Long: "--dry-run", PrintsValues: true},                         // optional value: --dry-run, --dry-run=server
	{Long: "--password", Short: "-p", Value: true, Sensitive: true}, // -p: registry login's (create's -p, --starter, masked too)
	{Long: "--kube-token", Value: true, Sensitive: true},
	{Long: "--namespace", Short: "-n", Value: true, Connection: true},
	{Long: "--kube-context", Value: true, Connection: true},
	{Long: "--kubeconfig", Value: true, Connection: true},
	// Value flags named only so that their value is not taken for a
	// positional argument (Positionals).
	{Long: "--version", Value: true},
	{Long: "--repo", Value: true},
	{Long: "--timeout", Value: true},
	{Long: "--description", Value: true},
	{Long: "--output", Short: "-o", Value: true},
	{Long: "--api-versions", Short: "-a", Value: true}, // get values' -a is its --all, a switch (released)
	{Long: "--revision", Value: true},                  // get values, get all
	{Long: "--template", Value: true},                  // get all
	{Long: "--context", Short: "-C", Value: true, Plugin: "diff"},
	{Long: "--find-renames", Short: "-D", Value: true, Plugin: "diff"},
	{Long: "--suppress", Value: true, Plugin: "diff"},
	{Long: "--suppress-output-line-regex", Value: true, Plugin: "diff"},
	{Long: "--hide-secret"},    // a switch: what follows it is not its value
	{Long: "--password-stdin"}, // a switch: the password comes on stdin
}

// byName indexes flags by long and short name.
var byName = func() map[string]Flag {
	m := make(map[string]Flag, 2*len(flags))
	for _, f := range flags {
		m[f.Long] = f
		if f.Short != "" {
			m[f.Short] = f
		}
	}
	return m
}()

// Lookup returns the flag named name ("--values" or "-f", without any
// "=VALUE"), if the plugin knows it.
func Lookup(name string) (Flag, bool) {
	f, ok := byName[name]
	return f, ok
}

// lookupFold is Lookup of name, or else of lower (name in lower case):
// the rules of Sensitive and TakesValue ignore case.
func lookupFold(name, lower string) (Flag, bool) {
	if f, ok := Lookup(name); ok {
		return f, true
	}
	return Lookup(lower)
}

// Name returns the long name of the flag a values source kind comes from
// ("--set-file" for SetFile), "" for NotSource.
func (k Kind) Name() string {
	for _, f := range flags {
		if f.Source == k && k != NotSource {
			return f.Long
		}
	}
	return ""
}

// Sensitive reports whether the value of the flag named name (without
// "=VALUE") is masked in the plugin's messages. A flag in the table says
// itself (its name in any case); any other one (a plugin's flag: helm diff's, helm cm-push's) is
// taken as sensitive when its name, in lower case, starts with --set or
// holds "password", "token" or "secret". A positional argument (not
// starting with "-") is not a flag.
func Sensitive(name string) bool {
	if !strings.HasPrefix(name, "-") {
		return false
	}
	l := strings.ToLower(name)
	if f, ok := lookupFold(name, l); ok {
		return f.Sensitive
	}
	return strings.HasPrefix(l, "--set") || strings.Contains(l, "password") || strings.Contains(l, "token") ||
		strings.Contains(l, "secret")
}

// TakesValue reports whether the flag named name takes the next argument
// as its value when written without "=". A flag in the table says itself
// (its name in any case);
// for any other one the rule is the one helm's own flags follow: a name
// that, in lower case, starts with --set or ends in -password, -token or
// -secret takes a value; other unknown flags are taken as switches.
func TakesValue(name string) bool {
	l := strings.ToLower(name)
	if f, ok := lookupFold(name, l); ok {
		return f.Value
	}
	return strings.HasPrefix(l, "--set") || strings.HasSuffix(l, "-password") || strings.HasSuffix(l, "-token") ||
		strings.HasSuffix(l, "-secret")
}

// The post-renderer flags, which the plugin rewrites with
// --evaluate-templates (Flag.Rewritten).
const (
	PostRenderer     = "--post-renderer"      // the post-renderer (Helm 3: a program, Helm 4: a plugin)
	PostRendererArgs = "--post-renderer-args" // one argument of it; may be repeated
)

// PostRendererFlags are the flags the plugin takes out of helm's command
// line, with their values, and replaces with its own post-renderer's
// (--evaluate-templates): --post-renderer first, then
// --post-renderer-args.
var PostRendererFlags = func() []string {
	var names []string
	for _, f := range flags {
		if f.Rewritten {
			names = append(names, f.Long)
		}
	}
	return names
}()

// PrintsValues reports whether a helm command line (command and
// arguments) holds, before "--", a flag with which helm prints values
// or rendered secrets (--debug, --dry-run): redaction of helm's output is
// then on by default and the lean wrapper declines. The flag turned off
// explicitly (--dry-run=false, --debug=false) does not count.
func PrintsValues(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(a, "=")
		if f, ok := Lookup(name); ok && f.PrintsValues && (!hasValue || value != "false") {
			return true
		}
	}
	return false
}

// RedactArgs returns a helm command line for the plugin's debug output:
// the values of sensitive flags (Sensitive: --set*, --password,
// --kube-token, unknown *password*/*token*/*secret* flags) replaced by
// "<redacted>", and every other argument passed through redactURL (which
// hides the credentials in URLs). A flag's next argument is taken as its
// value only for the flags that take one (TakesValue): after a switch
// such as --hide-secret the next argument is shown as any argument.
// Arguments after "--" are positional for helm; they only go through
// redactURL.
func RedactArgs(args []string, redactURL func(string) string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			for _, rest := range args[i:] {
				out = append(out, redactURL(rest))
			}
			break
		}
		name, _, hasValue := strings.Cut(arg, "=")
		switch {
		case !Sensitive(name):
			out = append(out, redactURL(arg))
		case hasValue:
			out = append(out, name+"=<redacted>")
		default:
			out = append(out, arg)
			if TakesValue(name) && i+1 < len(args) {
				i++
				out = append(out, "<redacted>")
			}
		}
	}
	return out
}

// Positionals returns the positional arguments of a helm command line
// (before "--"), skipping every flag and the value of each flag that takes
// one (TakesValue), and the connection flags (Flag.Connection) as
// NAME=VALUE, for the plugin's own helm calls about the same release.
func Positionals(args []string) (positional, connection []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		if !hasValue && TakesValue(name) && i+1 < len(args) {
			i++
			value, hasValue = args[i], true
		}
		if f, ok := Lookup(name); ok && f.Connection && hasValue {
			connection = append(connection, f.Long+"="+value)
		}
	}
	return positional, connection
}

// FlagValue returns the value of the last long flag named long (a flag
// of the table that takes a value) in a helm command line, before "--",
// as NAME VALUE or NAME=VALUE; the values of other flags are skipped as
// Positionals skips them. ok is false when the flag is not given.
func FlagValue(args []string, long string) (value string, ok bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, v, hasValue := strings.Cut(a, "=")
		if !hasValue && TakesValue(name) && i+1 < len(args) {
			i++
			v, hasValue = args[i], true
		}
		if name == long && hasValue {
			value, ok = v, true
		}
	}
	return value, ok
}
