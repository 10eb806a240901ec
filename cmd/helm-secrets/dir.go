package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
)

func newDirCmd(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:               "dir",
		Short:             "Get plugin directory",
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(*cobra.Command, []string) error {
			dir, err := pluginDir(os.Executable)
			if err != nil {
				return f.Errorf("cannot find the plugin directory: %v", err)
			}
			// No newline, as the shell plugin: scripts use "$(helm secrets dir)".
			_, err = fmt.Fprint(f.IO.Out, dir)
			return err
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, dirUsage) })
	return c
}

// pluginDir is $HELM_PLUGIN_DIR (set by helm for plugins), else the
// directory of the executable, or its parent when the executable sits in
// <plugin>/bin.
func pluginDir(executable func() (string, error)) (string, error) {
	if d := os.Getenv("HELM_PLUGIN_DIR"); d != "" {
		return d, nil
	}
	exe, err := executable()
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	dir := filepath.Dir(exe)
	if filepath.Base(dir) == "bin" {
		dir = filepath.Dir(dir)
	}
	return dir, nil
}
