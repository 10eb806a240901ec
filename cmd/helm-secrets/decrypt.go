package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	decryptcmd "github.com/helm-secrets/helm-secrets/internal/cmd/decrypt"
)

func newDecryptCmd(f *cmdutil.Factory) *cobra.Command {
	o := &decryptcmd.Options{}
	c := fileCommand(f, "decrypt [-i] [--terraform] FILE", "Decrypt secrets file", decryptcmd.Usage, false,
		func(c *cobra.Command, file string) error {
			o.Factory, o.File = f, file
			return decryptcmd.Run(c.Context(), o)
		})
	c.Flags().BoolVarP(&o.InPlace, "in-place", "i", false, "decrypt the file in place")
	c.Flags().BoolVar(&o.Terraform, "terraform", false, `print {"content_base64":"..."} for Terraform`)
	return shellArgs(c, decryptcmd.Usage, func(arg string) bool {
		switch arg {
		case "-i", "--in-place":
			o.InPlace = true
		case "--terraform":
			o.Terraform = true
		default:
			return false
		}
		return true
	})
}

// newViewCmd: helm-secrets 3.x "view FILE" = decrypt to stdout.
func newViewCmd(f *cmdutil.Factory) *cobra.Command {
	return shellArgs(fileCommand(f, "view FILE", "View specified encrypted yaml file (legacy)", decryptcmd.ViewUsage, true,
		func(c *cobra.Command, file string) error {
			return decryptcmd.Run(c.Context(), &decryptcmd.Options{Factory: f, File: file})
		}), decryptcmd.ViewUsage, nil)
}

// newDecCmd: helm-secrets 3.x "dec FILE" wrote FILE.dec; we print instead.
func newDecCmd(f *cmdutil.Factory) *cobra.Command {
	return shellArgs(fileCommand(f, "dec FILE", "Decrypt secrets file (legacy)", decryptcmd.DecUsage, true,
		func(c *cobra.Command, file string) error {
			return decryptcmd.Run(c.Context(), &decryptcmd.Options{Factory: f, File: file})
		}), decryptcmd.DecUsage, nil)
}

// newTerraformCmd: helm-secrets 3.12-3.15 "terraform FILE".
func newTerraformCmd(f *cmdutil.Factory) *cobra.Command {
	return shellArgs(fileCommand(f, "terraform FILE", "Decrypt secrets for Terraform (legacy)", decryptcmd.TerraformUsage, true,
		func(c *cobra.Command, file string) error {
			return decryptcmd.Run(c.Context(), &decryptcmd.Options{Factory: f, File: file, Terraform: true})
		}), decryptcmd.TerraformUsage, nil)
}

// shellArgsAnnotation marks a command whose arguments are read by
// shellArgs instead of cobra's flag parser.
const shellArgsAnnotation = "helm-secrets/shell-args"

// shellArgs makes c read its arguments the way the shell plugin's decrypt
// does, so that helmfile can drive it: helmfile runs
// `helm secrets decrypt ABS_PATH` (`view` for plugin versions below 4) and
// appends the release's helm arguments (--kube-version=1.29.0,
// --skip-tests, --set k=v, ...) after the file. Every word own(word)
// accepts is an option of ours, wherever it appears; of the others, the
// first is the file and the rest are ignored. Before the file, an unknown
// word starting with "-" is an error (unknown flag). -h/--help/help only as
// the first word print the usage.
//
// Cobra still parses the flags declared on c for shell completion; for a
// run, runMain turns cobra's parser off (see shellArgsAnnotation).
func shellArgs(c *cobra.Command, usage string, own func(arg string) bool) *cobra.Command {
	run := c.RunE
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[shellArgsAnnotation] = "true"
	c.RunE = func(c *cobra.Command, args []string) error {
		if !c.DisableFlagParsing {
			return run(c, args)
		}
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(c.OutOrStdout(), usage)
			return nil
		}
		var rest []string
		for _, arg := range args {
			switch {
			case own != nil && own(arg):
			case len(rest) == 0 && len(arg) > 1 && arg[0] == '-':
				// Before the file, a word like a flag is a mistake of
				// the user's, not helmfile's: say so.
				return c.FlagErrorFunc()(c, fmt.Errorf("unknown flag: %s", arg))
			default:
				rest = append(rest, arg)
			}
		}
		return run(c, rest)
	}
	return c
}
