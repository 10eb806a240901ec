// Package released reads the values releases stored in the cluster, for
// redaction. `helm secrets diff upgrade RELEASE CHART -f secrets.yaml`
// prints the release's current manifests next to the new ones, and those
// hold the previous secrets, which the files given now no longer contain;
// helm-diff's revision, rollback and release, and helm's get values and
// get all, print stored releases only (their -f files name the secrets to
// mask, wrapper.Options.MaskOnly). Secrets finds the stored values at the
// key paths that are secret in the files given, so the redaction filter
// masks them as well as the values of the files.
package released

import (
	"context"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// MaxValues caps what one `helm get values` may print.
const MaxValues = 16 << 20

// Timeout bounds the `helm get values` calls of a command line, all of
// them together (they run side by side).
const Timeout = 30 * time.Second

// MaskOnly reports whether a command line (helm's command and its
// arguments, after the plugin's own options) is one whose -f/--values
// files only name the secrets to mask (wrapper.Options.MaskOnly): it
// takes no values files and prints stored releases (helm-diff's revision,
// rollback and release; helm's get values and get all). It names the
// subcommand ("diff revision", "get values") for messages.
func MaskOnly(args []string) (subcommand string, ok bool) {
	if len(args) == 0 {
		return "", false
	}
	pos, _ := helmargs.Positionals(getArgs(args))
	if len(pos) < 2 {
		return "", false
	}
	switch sub := args[0] + " " + pos[1]; sub {
	case "diff revision", "diff rollback", "diff release", "get values", "get all":
		return sub, true
	}
	return "", false
}

// lookup is one `helm get values` call: a release, at a revision ("":
// the latest), with the connection flags.
type lookup struct {
	release, revision string
	conn              []string
}

// name is how the secrets of a lookup are named (redact.Secret.Name).
func (l lookup) name() string {
	if l.revision == "" {
		return "release " + l.release
	}
	return "release " + l.release + " revision " + l.revision
}

// Secrets returns the values stored at one of paths (key paths as
// redact.Leaves names them, without the source) by the releases a command
// line (args: helm's command and its arguments, after the plugin's own
// options) prints:
//
//   - diff upgrade REL CHART: REL's latest revision;
//   - diff revision REL R1 [R2]: REL at R1 and R2, or at R1 and its
//     latest revision;
//   - diff rollback REL R: REL's latest revision and R;
//   - diff release REL1 REL2: the latest revision of each (NAMESPACE/REL
//     in that namespace, as helm-diff reads it);
//   - get values|all REL [--revision R]: REL at R, or its latest.
//
// Each is asked with `helm get values` (helm is the helm binary; its
// environment is the process's), passing on --namespace, --kube-context
// and --kubeconfig. It returns nothing for any other command line, and
// nothing from a call that fails (no such release or revision, no
// cluster) or prints more than MaxValues.
func Secrets(ctx context.Context, helm string, args []string, paths map[string]bool) []redact.Secret {
	if len(paths) == 0 {
		return nil
	}
	ls := lookups(args)
	if len(ls) == 0 {
		return nil
	}
	// helm-diff asks the same cluster next; a cluster that does not answer
	// must not hold the run longer than this.
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	outs := make([][]byte, len(ls))
	var wg sync.WaitGroup
	for i, l := range ls {
		wg.Go(func() { outs[i] = getValues(ctx, helm, l) })
	}
	wg.Wait()
	var found []redact.Secret
	seen := map[string]bool{}
	for i, out := range outs {
		for _, l := range redact.Leaves("", out) {
			if len(l.Name) < 2 {
				continue // not a YAML document
			}
			p := l.Name[1:]
			if key := p + "\x00" + string(l.Value); paths[p] && len(l.Value) > 0 && !seen[key] {
				seen[key] = true
				found = append(found, redact.Secret{Name: ls[i].name() + ":" + p, Value: l.Value})
			}
		}
	}
	return found
}

// getValues is what `helm get values` prints for l as YAML; nil when it
// fails or prints too much.
func getValues(ctx context.Context, helm string, l lookup) []byte {
	args := []string{"get", "values", l.release}
	if l.revision != "" {
		args = append(args, "--revision", l.revision)
	}
	cmd := exec.CommandContext(ctx, helm, slices.Concat(args, []string{"--output", "yaml"}, l.conn)...)
	out := &bounds.Buffer{Limit: MaxValues}
	cmd.Stdout, cmd.Stderr = out, io.Discard
	if err := cmd.Run(); err != nil || out.Over() {
		return nil
	}
	return out.Bytes()
}

// lookups are the `helm get values` calls for a command line (Secrets).
func lookups(args []string) []lookup {
	if len(args) == 0 {
		return nil
	}
	args = getArgs(args)
	pos, conn := helmargs.Positionals(args)
	if len(pos) < 2 {
		return nil
	}
	sub, pos := pos[1], pos[2:]
	latest := func(release string) lookup { return lookup{release: release, conn: conn} }
	// helm-diff reads a revision with strconv.Atoi, ignoring the error
	// (0: the latest, for helm as for helm-diff).
	at := func(release, revision string) lookup {
		n, _ := strconv.Atoi(revision)
		return lookup{release: release, revision: strconv.Itoa(n), conn: conn}
	}
	switch args[0] + " " + sub {
	case "diff upgrade":
		if len(pos) > 0 {
			return []lookup{latest(pos[0])}
		}
	case "diff revision":
		switch len(pos) {
		case 2:
			return []lookup{latest(pos[0]), at(pos[0], pos[1])}
		case 3:
			return []lookup{at(pos[0], pos[1]), at(pos[0], pos[2])}
		}
	case "diff rollback":
		if len(pos) == 2 {
			return []lookup{latest(pos[0]), at(pos[0], pos[1])}
		}
	case "diff release":
		if len(pos) >= 2 {
			return []lookup{inNamespace(pos[0], conn), inNamespace(pos[1], conn)}
		}
	case "get values", "get all":
		if len(pos) > 0 {
			l := latest(pos[0])
			if r, ok := helmargs.FlagValue(args, "--revision"); ok {
				l.revision = r // helm's own flag: helm reads it as helm does
			}
			return []lookup{l}
		}
	}
	return nil
}

// inNamespace is the lookup of a release named as helm-diff's release
// names it: NAMESPACE/RELEASE in that namespace, else with conn's.
func inNamespace(name string, conn []string) lookup {
	if !strings.Contains(name, "/") {
		return lookup{release: name, conn: conn}
	}
	parts := strings.Split(name, "/")
	ns, release := parts[0], parts[1]
	if ns == "" {
		return lookup{release: release, conn: conn}
	}
	out := []string{"--namespace=" + ns}
	for _, c := range conn {
		if !strings.HasPrefix(c, "--namespace=") {
			out = append(out, c)
		}
	}
	return lookup{release: release, conn: out}
}

// getArgs is args with get values' -a (its --all, a switch) written
// long, so that it is not taken for template's -a (--api-versions),
// which takes a value.
func getArgs(args []string) []string {
	if args[0] != "get" {
		return args
	}
	out := slices.Clone(args)
	for i, a := range out {
		if a == "--" {
			break
		}
		if a == "-a" {
			out[i] = "--all"
		}
	}
	return out
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
