package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/gitcmd"
)

// The git integration (docs/git.md): cobra wiring of internal/cmd/gitcmd.

func newMergeDriverCmd(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:    "merge-driver BASE OURS THEIRS PATH",
		Short:  "Git merge driver for SOPS-encrypted files (set up by git setup)",
		Hidden: true,
		Args:   cobra.ExactArgs(4),
		RunE: func(c *cobra.Command, args []string) error {
			return gitcmd.RunMerge(c.Context(), &gitcmd.MergeOptions{Factory: f, Base: args[0], Ours: args[1], Theirs: args[2], Path: args[3]})
		},
	}
	return gitHelp(f, c)
}

func newGitCmd(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "git setup|textconv",
		Short: "Set up git's merge and diff drivers for encrypted files",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprint(f.IO.Out, gitcmd.Usage)
			return errReported
		},
	}
	setup := &gitcmd.SetupOptions{}
	s := &cobra.Command{
		Use:  "setup",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			setup.Factory = f
			return gitcmd.RunSetup(c.Context(), setup)
		},
	}
	s.Flags().StringVar(&setup.Command, "command", "", `how git starts helm-secrets (default "helm secrets")`)
	s.Flags().StringArrayVar(&setup.Patterns, "pattern", nil, "a .gitattributes pattern of encrypted files (repeatable; default: from .sops.yaml)")
	t := &cobra.Command{
		Use:  "textconv FILE",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return gitcmd.RunTextconv(c.Context(), &gitcmd.TextconvOptions{Factory: f, File: args[0]})
		},
	}
	c.AddCommand(gitHelp(f, s), gitHelp(f, t))
	return gitHelp(f, c)
}

func newDiffKeysCmd(f *cmdutil.Factory) *cobra.Command {
	o := &gitcmd.DiffKeysOptions{}
	c := &cobra.Command{
		Use:   "diff-keys [REV..REV|REV] [PATH...]",
		Short: "List the key paths that changed in encrypted files, never a value",
		RunE: func(c *cobra.Command, args []string) error {
			o.Factory, o.Args = f, args
			return gitcmd.RunDiffKeys(c.Context(), o)
		},
	}
	c.Flags().StringVarP(&o.Output, "output", "o", "text", "output format: text or json")
	return gitHelp(f, c)
}

// gitHelp gives a git command the git usage text for --help and flag errors.
func gitHelp(f *cmdutil.Factory, c *cobra.Command) *cobra.Command {
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, gitcmd.Usage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return f.Errorf("%s: %v (see: helm secrets git --help)", c.Name(), err)
	})
	return c
}
