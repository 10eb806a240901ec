package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/spf13/cobra"
)

// Shell completion. Helm 3 and 4 complete a plugin's arguments by running
// <plugin dir>/plugin.complete with the words typed after "helm secrets"
// (the last one being the word to complete) and reading cobra's
// __complete protocol from its stdout: one candidate per line, then
// ":<directive>". plugin.complete can be a link to this binary (see main)
// or a script running "helm-secrets __complete "$@"".
//
// Our own commands and options are completed by cobra; a helm command
// (helm secrets upgrade ...) is completed by helm itself.

// completionTimeout bounds the call to helm for completing its commands.
const completionTimeout = 10 * time.Second

// wrappedCommands are the helm commands offered after "helm secrets".
var wrappedCommands = []string{
	"install\thelm install with encrypted values files",
	"upgrade\thelm upgrade with encrypted values files",
	"template\thelm template with encrypted values files",
	"lint\thelm lint with encrypted values files",
	"diff\thelm diff (plugin) with encrypted values files",
}

// runComplete answers a __complete request: args[0] is cobra's request
// command, the rest the words typed.
func runComplete(args []string, s IOStreams) int {
	words := args[1:]
	if len(words) == 0 {
		words = []string{""}
		args = append(args, "")
	}
	a := &app{streams: s, opts: envDefaults()}
	a.opts.quiet = true
	a.backends = backend.Selector{Allowed: pluginenv.AllowedBackends()}
	root := newRootCmd(a)

	typed := words[:len(words)-1]
	if i := skipGlobal(typed); i < len(typed) {
		switch word := typed[i]; {
		case findCommand(root, word) != nil:
			// The global options are behind us: cobra completes the
			// command as if it had been typed first.
			args = append([]string{args[0]}, words[i:]...)
		case slices.Contains([]string{"-h", "--help", "help", "-v", "--version", "version"}, word):
			_, _ = s.Stdout.Write([]byte(":4\n")) // nothing follows these
			return 0
		default:
			return completeHelm(s, args[0], words[i:])
		}
	}
	// Helm 4 reads the plugin's stdout and stderr as one stream: cobra's
	// "Completion ended with directive" note on stderr must not reach it.
	root.SetErr(io.Discard)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		return 1
	}
	return 0
}

// completeHelm asks helm to complete one of its own commands.
func completeHelm(s IOStreams, request string, words []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, helmBinary(), append([]string{request}, words...)...)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil || out.Len() == 0 {
		_, _ = s.Stdout.Write([]byte(":0\n")) // let the shell complete file names
		return 0
	}
	_, _ = s.Stdout.Write(out.Bytes())
	return 0
}

// completeRoot offers the common helm commands next to our subcommands.
func completeRoot(*app) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, c := range wrappedCommands {
			if len(args) == 0 && strings.HasPrefix(c, toComplete) {
				out = append(out, c)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeBackends offers the backends the allow-list permits.
func completeBackends(a *app) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, b := range []string{"sops\tSOPS, in process (default)", "noop\tuse files as they are"} {
			name, _, _ := strings.Cut(b, "\t")
			if _, err := a.backends.Get(name); err == nil {
				out = append(out, b)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
