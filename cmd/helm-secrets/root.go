package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. Global options are parsed by
// parseGlobal before cobra sees the arguments (they must come before the
// command, and anything unknown is a helm command); the root's flags are
// declared here for shell completion only.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:               "helm-secrets",
		Short:             "Decrypt encrypted helm value files on the fly",
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeRoot(a),
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprint(a.streams.Stdout, helpText)
			return nil
		},
	}
	root.SetIn(a.streams.Stdin)
	root.SetOut(a.streams.Stdout)
	root.SetErr(a.streams.Stderr)
	root.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, helpText) })
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return a.errorf("%s: %v (see: helm secrets %s --help)", c.Name(), err, c.Name())
	})

	f := root.Flags()
	f.StringP("backend", "b", "sops", "Secret backend to use for decryption or encryption (env: $HELM_SECRETS_BACKEND)")
	f.StringP("backend-args", "a", "", "Additional args for secret backend (env: $HELM_SECRETS_BACKEND_ARGS)")
	f.BoolP("quiet", "q", false, "Suppress info messages (env: $HELM_SECRETS_QUIET)")
	f.Bool("ignore-missing-values", false, "Ignore missing value files (env: $HELM_SECRETS_IGNORE_MISSING_VALUES)")
	f.Bool("evaluate-templates", false, "Evaluate secret expressions inside helm template (vals backend only)")
	f.Bool("evaluate-templates-decode-secrets", false, "With --evaluate-templates, decode base64 values from secrets")
	f.Bool("decrypt-secrets-in-tmp-dir", false, "Accepted for compatibility; decrypted values never touch the disk")
	f.String("redact", "true", "Mask decrypted values in helm's output: true, false or stderr (env: $HELM_SECRETS_REDACT)")
	f.Lookup("redact").NoOptDefVal = "true"
	_ = root.RegisterFlagCompletionFunc("redact", cobra.FixedCompletions([]string{"true", "false", "stderr"}, cobra.ShellCompDirectiveNoFileComp))
	f.String("check-placement", "error", "Check where decrypted values land in template's output: warn, error or false (env: $HELM_SECRETS_CHECK_PLACEMENT)")
	f.Lookup("check-placement").NoOptDefVal = "error"
	_ = root.RegisterFlagCompletionFunc("check-placement", cobra.FixedCompletions([]string{"warn", "error", "false"}, cobra.ShellCompDirectiveNoFileComp))
	f.BoolP("version", "v", false, "Display version of helm-secrets")
	_ = root.RegisterFlagCompletionFunc("backend", completeBackends(a))
	_ = root.RegisterFlagCompletionFunc("backend-args", cobra.NoFileCompletions)

	root.AddCommand(
		newEncryptCmd(a),
		newDecryptCmd(a),
		newEditCmd(a),
		newRotateCmd(a),
		newUpdateKeysCmd(a),
		newDirCmd(a),
		newPatchCmd(a),
		newViewCmd(a),
		newDecCmd(a),
		newEncCmd(a),
		newTerraformCmd(a),
		newCleanCmd(a),
		newCheckCmd(a),
		newGitCmd(a),
		newMergeDriverCmd(a),
		newDiffKeysCmd(a),
		newPlacementCmd(a),
	)
	return root
}

// fileCommand builds a command that takes one file the way the shell
// plugin does: flags may appear anywhere, the first other argument is the
// file and further ones are ignored; "help" (or -h/--help) as the first
// argument prints the usage; no file prints the usage and
// "Error: secrets file required." on stdout and fails.
func (a *app) fileCommand(use, short, usage string, legacy bool, run func(c *cobra.Command, file string) error) *cobra.Command {
	c := &cobra.Command{
		Use:               use,
		Short:             short,
		Hidden:            legacy,
		ValidArgsFunction: completeFirstFile,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == "help" {
				fmt.Fprint(a.streams.Stdout, usage)
				return nil
			}
			if len(args) == 0 || args[0] == "" {
				fmt.Fprint(a.streams.Stdout, usage)
				fmt.Fprintln(a.streams.Stdout, "Error: secrets file required.")
				return errReported
			}
			if len(args) > 1 {
				a.debugf("%s: ignoring %d extra argument(s)", c.Name(), len(args)-1)
			}
			return run(c, args[0])
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, usage) })
	return c
}

func completeFirstFile(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}
