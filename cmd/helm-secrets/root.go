package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/complete"
)

// newRootCmd builds the command tree. Global options are parsed by
// parseGlobal before cobra sees the arguments (they must come before the
// command, and anything unknown is a helm command); the root's flags are
// declared here for shell completion only.
func newRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:               "helm-secrets",
		Short:             "Decrypt encrypted helm value files on the fly",
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: complete.Root,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprint(f.IO.Out, cmdutil.Help)
			return nil
		},
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, cmdutil.Help) })
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return f.Errorf("%s: %v (see: helm secrets %s --help)", c.Name(), err, c.Name())
	})

	fs := root.Flags()
	fs.StringP("backend", "b", "sops", "Secret backend to use for decryption or encryption (env: $HELM_SECRETS_BACKEND)")
	fs.StringP("backend-args", "a", "", "Additional args for secret backend (env: $HELM_SECRETS_BACKEND_ARGS)")
	fs.BoolP("quiet", "q", false, "Suppress info messages (env: $HELM_SECRETS_QUIET)")
	fs.Bool("ignore-missing-values", false, "Ignore missing value files (env: $HELM_SECRETS_IGNORE_MISSING_VALUES)")
	fs.Bool("evaluate-templates", false, "Evaluate secret expressions inside helm template (vals backend only)")
	fs.Bool("evaluate-templates-decode-secrets", false, "With --evaluate-templates, decode base64 values from secrets")
	fs.Bool("decrypt-secrets-in-tmp-dir", false, "Accepted for compatibility; decrypted values never touch the disk")
	fs.String("redact", "true", "Mask decrypted values in helm's output: true, false or stderr (env: $HELM_SECRETS_REDACT)")
	fs.Lookup("redact").NoOptDefVal = "true"
	_ = root.RegisterFlagCompletionFunc("redact", cobra.FixedCompletions([]string{"true", "false", "stderr"}, cobra.ShellCompDirectiveNoFileComp))
	fs.String("check-placement", "error", "Check where decrypted values land in template's output: warn, error or false (env: $HELM_SECRETS_CHECK_PLACEMENT)")
	fs.Lookup("check-placement").NoOptDefVal = "error"
	_ = root.RegisterFlagCompletionFunc("check-placement", cobra.FixedCompletions([]string{"warn", "error", "false"}, cobra.ShellCompDirectiveNoFileComp))
	fs.BoolP("version", "v", false, "Display version of helm-secrets")
	_ = root.RegisterFlagCompletionFunc("backend", complete.Backends(f.Backends))
	_ = root.RegisterFlagCompletionFunc("backend-args", cobra.NoFileCompletions)

	root.AddCommand(
		newEncryptCmd(f),
		newDecryptCmd(f),
		newEditCmd(f),
		newRotateCmd(f),
		newUpdateKeysCmd(f),
		newDirCmd(f),
		newPatchCmd(f),
		newViewCmd(f),
		newDecCmd(f),
		newEncCmd(f),
		newTerraformCmd(f),
		newCleanCmd(f),
		newCheckCmd(f),
		newGitCmd(f),
		newMergeDriverCmd(f),
		newDiffKeysCmd(f),
		newPlacementCmd(f),
	)
	return root
}

// fileCommand builds a command that takes one file the way the shell
// plugin does: flags may appear anywhere, the first other argument is the
// file and further ones are ignored; "help" (or -h/--help) as the first
// argument prints the usage; no file prints the usage and
// "Error: secrets file required." on stdout and fails.
func fileCommand(f *cmdutil.Factory, use, short, usage string, legacy bool, run func(c *cobra.Command, file string) error) *cobra.Command {
	c := &cobra.Command{
		Use:               use,
		Short:             short,
		Hidden:            legacy,
		ValidArgsFunction: complete.FirstFile,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == "help" {
				fmt.Fprint(f.IO.Out, usage)
				return nil
			}
			if len(args) == 0 || args[0] == "" {
				fmt.Fprint(f.IO.Out, usage)
				fmt.Fprintln(f.IO.Out, "Error: secrets file required.")
				return errReported
			}
			if len(args) > 1 {
				f.Debugf("%s: ignoring %d extra argument(s)", c.Name(), len(args)-1)
			}
			return run(c, args[0])
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, usage) })
	return c
}
