package helmargs

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	helmcmd "helm.sh/helm/v4/pkg/cmd"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// helmCommands are the helm commands whose flags the table describes:
// the ones the wrapper runs (template, install, upgrade, lint), the one
// the table's --password-stdin comes from and the ones whose stored
// values the wrapper reads (get values, get all: --revision, --template).
var helmCommands = [][]string{{"template"}, {"install"}, {"upgrade"}, {"lint"}, {"registry", "login"}, {"get", "values"}, {"get", "all"}}

// helmFlag is one flag as helm defines it.
type helmFlag struct {
	short string // "-f" or ""
	value bool   // takes the next argument as its value
}

// checkTable checks the table against helm's flags, by command: every
// table flag exists in at least one of the commands, takes a value
// wherever it exists as the table says, and has the table's short name
// wherever it has one (helm gives --password -p in registry login only),
// and somewhere if the table gives one. A flag helm renames, drops or
// turns into a switch fails here.
func checkTable(t *testing.T, helm string, byCommand map[string]map[string]helmFlag) {
	t.Helper()
	for _, f := range flags {
		if f.Plugin != "" {
			continue // TestFlagTableMatchesHelmDiff
		}
		found, short := false, false
		for cmd, set := range byCommand {
			hf, ok := set[f.Long]
			if !ok {
				continue
			}
			found = true
			if hf.short != "" && hf.short != f.Short {
				t.Errorf("%s %s: %s has short name %q, the table %q", helm, cmd, f.Long, hf.short, f.Short)
			}
			short = short || hf.short == f.Short
			if hf.value != f.Value {
				t.Errorf("%s %s: %s takes a value: %t, the table says %t", helm, cmd, f.Long, hf.value, f.Value)
			}
		}
		if !found {
			t.Errorf("%s: %s is in none of %v", helm, f.Long, helmCommands)
		} else if !short {
			t.Errorf("%s: %s has short name %q in none of %v", helm, f.Long, f.Short, helmCommands)
		}
	}
	// The rendering commands have every values source and the flags
	// that make them print values.
	for _, cmd := range []string{"template", "install", "upgrade"} {
		for _, f := range flags {
			if _, ok := byCommand[cmd][f.Long]; !ok && (f.Source != NotSource || f.PrintsValues || f.Rewritten) {
				t.Errorf("%s %s has no %s", helm, cmd, f.Long)
			}
		}
	}
}

// TestFlagTableMatchesHelm4 builds Helm 4's own command tree (its SDK)
// and reads the pflag sets of the commands the table describes, global
// flags included.
func TestFlagTableMatchesHelm4(t *testing.T) {
	testenv.Isolate(t)
	t.Setenv("HELM_PLUGINS", t.TempDir())
	root, err := helmcmd.NewRootCmd(io.Discard, nil, func(bool) {})
	if err != nil {
		t.Fatal(err)
	}
	byCommand := map[string]map[string]helmFlag{}
	for _, path := range helmCommands {
		c, _, err := root.Find(path)
		if err != nil || c == root {
			t.Fatalf("helm 4 has no %v: %v", path, err)
		}
		byCommand[strings.Join(path, " ")] = pflagSet(c)
	}
	checkTable(t, "helm 4", byCommand)
}

// pflagSet is a command's flags (its own and the inherited global ones).
func pflagSet(c *cobra.Command) map[string]helmFlag {
	set := map[string]helmFlag{}
	add := func(f *pflag.Flag) {
		hf := helmFlag{value: f.NoOptDefVal == ""}
		if f.Shorthand != "" {
			hf.short = "-" + f.Shorthand
		}
		set["--"+f.Name] = hf
	}
	c.Flags().VisitAll(add)
	c.InheritedFlags().VisitAll(add)
	return set
}

// TestFlagTableMatchesHelmBinaries reads the flags of the real helm v3
// and v4 binaries from their help (Helm 3's command tree is in its main
// package, which no test can import): pflag prints a switch with no
// value type and a flag with an optional value as TYPE[="DEFAULT"].
func TestFlagTableMatchesHelmBinaries(t *testing.T) {
	for _, tc := range []struct{ env, major string }{{"HELM3_BIN", "v3."}, {"HELM4_BIN", "v4."}} {
		t.Run(tc.env, func(t *testing.T) {
			testenv.Isolate(t)
			helm := testenv.Tool(t, tc.env, "helm")
			out, err := exec.Command(helm, "version", "--template", "{{.Version}}").Output()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(out), tc.major) {
				t.Skipf("%s is helm %s, not %s", helm, out, tc.major)
			}
			byCommand := map[string]map[string]helmFlag{}
			for _, path := range helmCommands {
				help, err := exec.Command(helm, append(slices.Clone(path), "--help")...).Output()
				if err != nil {
					t.Fatalf("helm %v --help: %v", path, err)
				}
				set := parseHelp(string(help))
				if len(set) == 0 {
					t.Fatalf("helm %v --help: no flags read from\n%s", path, help)
				}
				byCommand[strings.Join(path, " ")] = set
			}
			checkTable(t, "helm "+strings.TrimSpace(string(out)), byCommand)
		})
	}
}

// usageLine is a flag line of pflag's usage: "  -f, --values strings   ...",
// "      --debug   ...", "      --dry-run string[="client"]   ...".
var usageLine = regexp.MustCompile(`^\s+(?:-(\S), )?--([A-Za-z0-9-]+)(?: (\S+))?(?:\s{2,}|$)`)

// parseHelp reads the flags from a command's help (its "Flags:" and
// "Global Flags:" sections).
func parseHelp(help string) map[string]helmFlag {
	set := map[string]helmFlag{}
	inFlags := false
	for line := range strings.SplitSeq(help, "\n") {
		if strings.HasSuffix(line, "Flags:") {
			inFlags = true
			continue
		}
		m := usageLine.FindStringSubmatch(line)
		if !inFlags || m == nil {
			continue
		}
		hf := helmFlag{value: m[3] != "" && !strings.Contains(m[3], "[=")}
		if m[1] != "" {
			hf.short = "-" + m[1]
		}
		set["--"+m[2]] = hf
	}
	return set
}

// TestParseHelp pins the help parser on pflag's three shapes of flag.
func TestParseHelp(t *testing.T) {
	got := parseHelp("Usage:\n  helm install [NAME] [CHART] [flags]\n\nFlags:\n" +
		"  -f, --values strings                         specify values in a YAML file\n" +
		"      --dry-run string[=\"client\"]              simulate an install\n" +
		"      --hide-secret                            hide Kubernetes Secrets\n\nGlobal Flags:\n" +
		"      --debug                           enable verbose output\n")
	want := map[string]helmFlag{
		"--values": {short: "-f", value: true}, "--dry-run": {}, "--hide-secret": {}, "--debug": {},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %+v, want %+v", k, got[k], v)
		}
	}
}

func TestLookupAndRules(t *testing.T) {
	for _, tc := range []struct {
		name             string
		sensitive, value bool
	}{
		{"--set", true, true}, {"--set-literal", true, true}, {"--SET", true, true},
		{"--password", true, true}, {"-p", true, true}, {"--kube-token", true, true},
		{"--hide-secret", false, false}, {"--password-stdin", false, false},
		{"-f", false, true}, {"--values", false, true}, {"--debug", false, false}, {"--dry-run", false, false},
		// Unknown (plugin) flags: the documented fallback rule.
		{"--token", true, true}, {"--registry-password", true, true}, {"--client-secret", true, true},
		{"--secret-store", true, false}, {"--username", false, false}, {"--set-anything", true, true},
		{"password", false, false},
	} {
		if got := Sensitive(tc.name); got != tc.sensitive {
			t.Errorf("Sensitive(%s) = %t", tc.name, got)
		}
		if got := TakesValue(tc.name); got != tc.value {
			t.Errorf("TakesValue(%s) = %t", tc.name, got)
		}
	}
	if f, ok := Lookup("-f"); !ok || f.Long != "--values" || f.Source != Values {
		t.Errorf("Lookup(-f) = %+v, %t", f, ok)
	}
	if _, ok := Lookup("--nope"); ok {
		t.Error("Lookup(--nope) found")
	}
	if got := SetFile.Name(); got != "--set-file" {
		t.Errorf("SetFile.Name() = %q", got)
	}
	if NotSource.Name() != "" {
		t.Error("NotSource has a flag name")
	}
	if !slices.Equal(PostRendererFlags, []string{PostRenderer, PostRendererArgs}) || PostRenderer != "--post-renderer" {
		t.Errorf("PostRendererFlags = %v", PostRendererFlags)
	}
}

func TestPrintsValues(t *testing.T) {
	for _, tc := range []struct {
		args string
		want bool
	}{
		{"install r c --dry-run", true},
		{"install r c --dry-run=server", true},
		{"install r c --dry-run=false", false},
		{"upgrade r c --debug", true},
		{"upgrade r c --debug=true", true},
		{"upgrade r c --debug=false", false},
		{"template r c", false},
		{"template r c -- --debug", false},
		{"template r c --set debug=true", false},
	} {
		if got := PrintsValues(strings.Fields(tc.args)); got != tc.want {
			t.Errorf("PrintsValues(%s) = %t, want %t", tc.args, got, tc.want)
		}
	}
}

// TestFlagTableMatchesHelmDiff checks the table's helm-diff flags against
// the real helm-diff's `diff upgrade --help` (scripts/test-deps.sh builds
// it: HELM_DIFF_PLUGIN_DIR).
func TestFlagTableMatchesHelmDiff(t *testing.T) {
	dir := os.Getenv("HELM_DIFF_PLUGIN_DIR")
	if dir == "" {
		if testenv.Required() {
			t.Fatal("HELM_DIFF_PLUGIN_DIR is not set (scripts/test-deps.sh)")
		}
		t.Skip("HELM_DIFF_PLUGIN_DIR is not set (scripts/test-deps.sh)")
	}
	help, err := exec.Command(filepath.Join(dir, "bin", "diff"), "upgrade", "--help").Output()
	if err != nil {
		t.Fatalf("helm-diff upgrade --help: %v", err)
	}
	set := parseHelp(string(help))
	n := 0
	for _, f := range flags {
		if f.Plugin != "diff" {
			continue
		}
		n++
		hf, ok := set[f.Long]
		if !ok || hf.value != f.Value || hf.short != f.Short {
			t.Errorf("helm-diff %s: in its help %t, takes a value %t, short %q; the table: %+v", f.Long, ok, hf.value, hf.short, f)
		}
	}
	if n == 0 {
		t.Fatal("no helm-diff flag in the table")
	}
}

// TestPositionalsAndFlagValue: the values of value flags (--revision,
// get all's --template) are not positional; FlagValue finds the last one.
func TestPositionalsAndFlagValue(t *testing.T) {
	for _, tc := range []struct {
		args, pos, conn, revision string
		ok                        bool
	}{
		{"get values --revision 3 r -o yaml -n ns", "get values r", "--namespace=ns", "3", true},
		{"get all r --template {{.Release.Name}} --revision=2 --revision 4", "get all r", "", "4", true},
		{"diff revision -f --revision r 1 2 --kube-context=k", "diff revision r 1 2", "--kube-context=k", "", false},
		{"get values r -- --revision 3", "get values r", "", "", false},
	} {
		args := strings.Fields(tc.args)
		pos, conn := Positionals(args)
		if strings.Join(pos, " ") != tc.pos || strings.Join(conn, " ") != tc.conn {
			t.Errorf("Positionals(%s) = %q, %q", tc.args, pos, conn)
		}
		if v, ok := FlagValue(args, "--revision"); v != tc.revision || ok != tc.ok {
			t.Errorf("FlagValue(%s, --revision) = %q, %t", tc.args, v, ok)
		}
	}
}
