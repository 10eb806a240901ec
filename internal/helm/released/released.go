// Package released reads the values a release stored in the cluster, for
// redaction. `helm secrets diff upgrade RELEASE CHART -f secrets.yaml`
// prints the release's current manifests next to the new ones, and those
// hold the previous secrets, which the files given now no longer contain:
// Secrets finds them in the release's stored values, at the key paths that
// are secret in the files given now, so the redaction filter masks the old
// value as well as the new one.
package released

import (
	"context"
	"io"
	"os/exec"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// MaxValues caps what `helm get values` may print.
const MaxValues = 16 << 20

// Timeout bounds the `helm get values` call.
const Timeout = 30 * time.Second

// Secrets returns the values the release named on a `diff upgrade` command
// line (args, after the plugin's own options) stored at one of paths (key
// paths as redact.Leaves names them, without the source). helm is the helm
// binary; its environment is the process's. It returns nothing for any
// other command line, and nothing when helm cannot tell (no such release
// yet, no cluster): the diff then has no old side to mask.
func Secrets(ctx context.Context, helm string, args []string, paths map[string]bool) []redact.Secret {
	if len(paths) == 0 || len(args) < 3 || args[0] != "diff" || args[1] != "upgrade" {
		return nil
	}
	pos, conn := helmargs.Positionals(args[2:])
	if len(pos) == 0 {
		return nil
	}
	release := pos[0]
	// helm-diff asks the same cluster next; a cluster that does not answer
	// must not hold the run longer than this.
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, helm, append([]string{"get", "values", release, "--output", "yaml"}, conn...)...)
	out := &bounds.Buffer{Limit: MaxValues}
	cmd.Stdout, cmd.Stderr = out, io.Discard
	if err := cmd.Run(); err != nil || out.Over() {
		return nil
	}
	var found []redact.Secret
	for _, l := range redact.Leaves("", out.Bytes()) {
		if len(l.Name) < 2 {
			continue // not a YAML document
		}
		if p := l.Name[1:]; paths[p] && len(l.Value) > 0 {
			found = append(found, redact.Secret{Name: "release " + release + ":" + p, Value: l.Value})
		}
	}
	return found
}

// KeyPaths returns the key paths of secrets named "source:path" by
// redact.Leaves for one of sources.
func KeyPaths(secrets []redact.Secret, sources []string) map[string]bool {
	paths := map[string]bool{}
	for _, s := range secrets {
		for _, src := range sources {
			if len(s.Name) > len(src)+1 && s.Name[:len(src)+1] == src+":" {
				paths[s.Name[len(src)+1:]] = true
			}
		}
	}
	return paths
}
