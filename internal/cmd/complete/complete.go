// Package complete is shell completion for the helm-secrets binary. Helm
// 3 and 4 complete a plugin's arguments by running
// <plugin dir>/plugin.complete with the words typed after "helm secrets"
// (the last one being the word to complete) and reading cobra's
// __complete protocol from its stdout: one candidate per line, then
// ":<directive>". plugin.complete can be a link to the binary or a script
// running "helm-secrets __complete "$@"".
//
// Our own commands and options are completed by cobra; a helm command
// (helm secrets upgrade ...) is completed by helm itself.
package complete

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/helmwrap"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmrun"
)

// wrappedCommands are the helm commands offered after "helm secrets".
var wrappedCommands = []string{
	"install\thelm install with encrypted values files",
	"upgrade\thelm upgrade with encrypted values files",
	"template\thelm template with encrypted values files",
	"lint\thelm lint with encrypted values files",
	"diff\thelm diff (plugin) with encrypted values files",
}

// Options are one completion request.
type Options struct {
	IO cmdutil.IOStreams
	// Args are cobra's request command (__complete), then the words typed.
	Args []string
	// Root is the binary's command tree.
	Root *cobra.Command
	// SkipGlobal returns the index of the command word in words, past the
	// global options; len(words) if none.
	SkipGlobal func(words []string) int
}

// Run answers a __complete request and returns the exit code.
func Run(o *Options) int {
	args := o.Args
	words := args[1:]
	if len(words) == 0 {
		words = []string{""}
		args = append(args, "")
	}
	typed := words[:len(words)-1]
	if i := o.SkipGlobal(typed); i < len(typed) {
		switch word := typed[i]; {
		case Find(o.Root, word) != nil:
			// The global options are behind us: cobra completes the
			// command as if it had been typed first.
			args = append([]string{args[0]}, words[i:]...)
		case slices.Contains([]string{"-h", "--help", "help", "-v", "--version", "version"}, word):
			_, _ = o.IO.Out.Write([]byte(":4\n")) // nothing follows these
			return 0
		default:
			return completeHelm(o.IO.Out, args[0], words[i:])
		}
	}
	// Helm 4 reads the plugin's stdout and stderr as one stream: cobra's
	// "Completion ended with directive" note on stderr must not reach it.
	o.Root.SetErr(io.Discard)
	o.Root.SetArgs(args)
	if err := o.Root.Execute(); err != nil {
		return 1
	}
	return 0
}

// Find returns root's subcommand called name, or nil when name is a
// helm command.
func Find(root *cobra.Command, name string) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}

// completeHelm asks helm to complete one of its own commands.
func completeHelm(out io.Writer, request string, words []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), helmwrap.HelmTimeout)
	defer cancel()
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, helmrun.Binary(), append([]string{request}, words...)...)
	cmd.Stdout = &buf
	if err := cmd.Run(); err != nil || buf.Len() == 0 {
		_, _ = out.Write([]byte(":0\n")) // let the shell complete file names
		return 0
	}
	_, _ = out.Write(buf.Bytes())
	return 0
}

// Root offers the common helm commands next to our subcommands.
func Root(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, c := range wrappedCommands {
		if len(args) == 0 && strings.HasPrefix(c, toComplete) {
			out = append(out, c)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// Backends offers the backends the allow-list of sel permits.
func Backends(sel *backend.Selector) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, b := range []string{"sops\tSOPS, in process (default)", "noop\tuse files as they are"} {
			name, _, _ := strings.Cut(b, "\t")
			if _, err := sel.Get(name); err == nil {
				out = append(out, b)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// FirstFile completes file names for the first argument only.
func FirstFile(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}
