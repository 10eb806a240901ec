package main

import (
	"context"
	"io"
)

// runPostRenderer is the command of the Helm 4 secrets-post-renderer
// plugin (plugins/helm-secrets-post-renderer): Helm writes the rendered
// manifests to stdin and reads the post-rendered ones from stdout. Until
// vals references (--evaluate-templates) are supported it is an exact
// pass-through: the manifests come out byte for byte as they went in.
// Arguments (helm --post-renderer-args) are refused, so that a caller
// expecting an evaluation it does not get fails instead of deploying
// unevaluated references.
func (a *app) runPostRenderer(_ context.Context, args []string) error {
	if len(args) > 0 {
		return a.errorf("post-renderer: no arguments are supported yet (vals evaluation is not implemented); got %d", len(args))
	}
	if _, err := io.Copy(a.streams.Stdout, a.streams.Stdin); err != nil {
		return a.errorf("post-renderer: copying the manifests: %v", err)
	}
	return nil
}
