package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/repo/gitsecrets"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// The git integration (docs/git.md): the commands only parse arguments;
// internal/repo/gitsecrets does the work.

const gitUsage = `helm secrets [ OPTIONS ] git setup [ --command CMD ] [ --pattern GLOB ]...
helm secrets [ OPTIONS ] git textconv FILE
helm secrets [ OPTIONS ] merge-driver BASE OURS THEIRS PATH
helm secrets [ OPTIONS ] diff-keys [ --output text|json ] [ REV..REV | REV ] [ PATH... ]

Git integration for SOPS-encrypted files (see docs/git.md)

git setup registers a merge driver, a diff driver and a merge tool (git
mergetool --tool=helm-secrets runs helm secrets edit) in the repository's git
config and adds ".gitattributes" lines (PATTERN merge=helm-secrets
diff=helm-secrets) for the files the .sops.yaml creation rules match, or for
secrets*.yaml, secrets*.yml and secrets*.json. Running it again changes nothing.

merge-driver is what git runs to merge an encrypted file both branches changed:
it decrypts the three versions in memory, merges them key by key and writes
the result encrypted with our data key and recipients. A key changed on both
sides holds both values between conflict markers, still encrypted; resolve it
with helm secrets edit (or git mergetool --tool=helm-secrets). A branch that changed the recipients (and the
.sops.yaml rule does not give them) or whose MAC does not verify is refused.

git textconv prints a file decrypted, for git diff (a one-line note when you
have no key for it). diff-keys lists the key paths added (+), removed (-) and
changed (~) between two commits (default: HEAD and the work tree), never a
value.

Examples:
  $ helm secrets git setup
  $ helm secrets diff-keys main..feature
  $ helm secrets diff-keys --output json HEAD~3 secrets.yaml
`

func newMergeDriverCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:    "merge-driver BASE OURS THEIRS PATH",
		Short:  "Git merge driver for SOPS-encrypted files (set up by git setup)",
		Hidden: true,
		Args:   cobra.ExactArgs(4),
		RunE: func(c *cobra.Command, args []string) error {
			if err := a.requireSops("merge-driver"); err != nil {
				return err
			}
			code := gitsecrets.RunMerge(c.Context(), gitsecrets.MergeOptions{
				Engine: a.engine, Base: args[0], Ours: args[1], Theirs: args[2], Path: args[3], Stderr: a.streams.Stderr,
				Decrypt: a.gitDecrypt("merge-driver"),
			})
			if code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	return a.gitHelp(c)
}

func newGitCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "git setup|textconv",
		Short: "Set up git's merge and diff drivers for encrypted files",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprint(a.streams.Stdout, gitUsage)
			return errReported
		},
	}
	setup := gitsecrets.SetupOptions{}
	s := &cobra.Command{
		Use:  "setup",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			setup.Stdout = a.streams.Stdout
			if err := gitsecrets.RunSetup(c.Context(), setup); err != nil {
				return a.errorf("git setup: %v", err)
			}
			return nil
		},
	}
	s.Flags().StringVar(&setup.Command, "command", "", `how git starts helm-secrets (default "helm secrets")`)
	s.Flags().StringArrayVar(&setup.Patterns, "pattern", nil, "a .gitattributes pattern of encrypted files (repeatable; default: from .sops.yaml)")
	t := &cobra.Command{
		Use:  "textconv FILE",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := gitsecrets.RunTextconv(c.Context(), gitsecrets.TextconvOptions{Engine: a.engine, File: args[0], Stdout: a.streams.Stdout, Decrypt: a.gitDecrypt("textconv")}); err != nil {
				return a.gitError(err)
			}
			return nil
		},
	}
	c.AddCommand(a.gitHelp(s), a.gitHelp(t))
	return a.gitHelp(c)
}

func newDiffKeysCmd(a *app) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "diff-keys [REV..REV|REV] [PATH...]",
		Short: "List the key paths that changed in encrypted files, never a value",
		RunE: func(c *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return a.errorf("diff-keys: --output must be text or json, not %q", output)
			}
			if err := gitsecrets.RunDiffKeys(c.Context(), gitsecrets.DiffKeysOptions{
				Engine: a.engine, Args: args, JSON: output == "json", Stdout: a.streams.Stdout, Stderr: a.streams.Stderr,
				Decrypt: a.gitDecrypt("diff-keys"),
			}); err != nil {
				return a.gitError(err)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return a.gitHelp(c)
}

// gitHelp gives a git command the git usage text for --help and flag errors.
func (a *app) gitHelp(c *cobra.Command) *cobra.Command {
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, gitUsage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return a.errorf("%s: %v (see: helm secrets git --help)", c.Name(), err)
	})
	return c
}

// gitDecrypt decrypts for the git commands and writes the audit event of
// each decryption (HELM_SECRETS_AUDIT_LOG) before the plaintext is used; a
// failure to write it stops the command (gitsecrets.ErrStop).
func (a *app) gitDecrypt(command string) gitsecrets.DecryptFunc {
	return func(ctx context.Context, data []byte, format encrypt.Format, file string) ([]byte, error) {
		ctx, rec := a.keyRecord(ctx)
		plain, err := a.engine.Decrypt(ctx, data, format)
		if aerr := a.recordDecrypt(command, file, rec, err); aerr != nil {
			return nil, fmt.Errorf("%w: %w", gitsecrets.ErrStop, aerr)
		}
		return plain, err
	}
}

// gitError reports an error of a git command, unless it was reported.
func (a *app) gitError(err error) error {
	if errors.Is(err, errReported) {
		return errReported
	}
	return a.errorf("%v", err)
}
