package complete

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
)

// TestRun: past the global options, our command is completed by cobra,
// help and version get nothing, and a helm command is handed to helm
// (here a helm that cannot run: the shell completes file names).
func TestRun(t *testing.T) {
	t.Setenv("HELM_BIN", filepath.Join(t.TempDir(), "no-helm"))
	skip := func(words []string) int { // -q is the only global option here
		i := 0
		for i < len(words) && words[i] == "-q" {
			i++
		}
		return i
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"-q", "encrypt", ""}, "file.yaml\n:4\n"},
		{[]string{"--version", ""}, ":4\n"},
		{[]string{"-q", "upgrade", "r", ""}, ":0\n"},
		{[]string{"te"}, "template\thelm template with encrypted values files\n:4\n"},
	} {
		root := &cobra.Command{Use: "helm-secrets", ValidArgsFunction: Root, RunE: func(*cobra.Command, []string) error { return nil }}
		root.AddCommand(&cobra.Command{Use: "encrypt", RunE: func(*cobra.Command, []string) error { return nil },
			ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return []string{"file.yaml"}, cobra.ShellCompDirectiveNoFileComp
			}})
		var out bytes.Buffer
		root.SetOut(&out)
		code := Run(&Options{IO: cmdutil.IOStreams{Out: &out}, Args: append([]string{cobra.ShellCompRequestCmd}, tc.words...), Root: root, SkipGlobal: skip})
		if code != 0 || out.String() != tc.want {
			t.Errorf("%q: code %d, out %q, want %q", tc.words, code, out.String(), tc.want)
		}
	}
}
