package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// newCleanCmd: helm-secrets 3.x "clean DIR" removed the decrypted files it
// had left behind. We never write them, but users migrating from the shell
// plugin may still have some.
func newCleanCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:    "clean DIR",
		Short:  "Remove decrypted .dec files left by the shell plugin (legacy)",
		Hidden: true,
		Args:   cobra.ArbitraryArgs,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return nil, cobra.ShellCompDirectiveFilterDirs
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == "help" {
				fmt.Fprint(a.streams.Stdout, cleanUsage)
				return nil
			}
			if len(args) == 0 || args[0] == "" {
				fmt.Fprint(a.streams.Stdout, cleanUsage)
				fmt.Fprintln(a.streams.Stdout, "Error: directory required.")
				return errReported
			}
			return a.runClean(args[0])
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, cleanUsage) })
	return c
}

func (a *app) runClean(dir string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return a.errorf("Directory does not exist: %s", dir)
	}
	s := settings.Load()
	decPrefix, decSuffix := s.DecPrefix, s.DecSuffix
	if decSuffix == "" {
		// An empty suffix would match every file: use the default.
		decSuffix = ".dec"
	}
	failed := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			a.errorf("%v", err)
			failed = true
			return nil
		}
		name := d.Name()
		if !d.Type().IsRegular() || !strings.HasPrefix(name, decPrefix) || !strings.HasSuffix(name, decSuffix) ||
			len(name) <= len(decPrefix)+len(decSuffix) {
			return nil
		}
		if err := os.Remove(path); err != nil {
			a.errorf("%v", err)
			failed = true
			return nil
		}
		a.infof("Removed: %s", path)
		return nil
	})
	if err != nil {
		return a.errorf("%v", err)
	}
	if failed {
		return errReported
	}
	return nil
}
