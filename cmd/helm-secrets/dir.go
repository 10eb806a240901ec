package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newDirCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:               "dir",
		Short:             "Get plugin directory",
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(*cobra.Command, []string) error {
			dir, err := pluginDir(os.Executable)
			if err != nil {
				return a.errorf("cannot find the plugin directory: %v", err)
			}
			// No newline, as the shell plugin: scripts use "$(helm secrets dir)".
			_, err = fmt.Fprint(a.streams.Stdout, dir)
			return err
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, dirUsage) })
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
