package main

import "github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"

// requireFile checks that file names an existing regular file, printing
// the shell plugin's message otherwise (cmdutil.Factory.RequireFile).
func (a *app) requireFile(file string) error { return a.factory().RequireFile(file) }

// inPlaceTarget is where an in-place write of path goes
// (cmdutil.InPlaceTarget).
func inPlaceTarget(path string) string { return cmdutil.InPlaceTarget(path) }
