package main

// requireFile checks that file names an existing regular file, printing
// the shell plugin's message otherwise (cmdutil.Factory.RequireFile).
func (a *app) requireFile(file string) error { return a.factory().RequireFile(file) }
