package postrender

import (
	"slices"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
)

// Wiring says how to add our post-renderer to a helm command line.
type Wiring struct {
	// Helm4 is set for Helm 4, where --post-renderer names a
	// postrenderer/v1 plugin (ours: secrets-post-renderer); on Helm 3 it
	// is a program (Self, this binary).
	Helm4 bool
	Self  string
	// FindPlugin returns the folder of the user's Helm 4 post-renderer
	// plugin called name (helmplugin.FindPostRenderer), so a missing one
	// fails before helm starts.
	FindPlugin func(name string) (string, error)
	// Evaluate evaluates the ref+ expressions in the manifests
	// (--evaluate-templates), DecodeSecrets with
	// --evaluate-templates-decode-secrets.
	Evaluate, DecodeSecrets bool
	// CheckPlacement hands the manifests to the wrapper's placement
	// check (ServePlacement), last, before helm gets them.
	CheckPlacement bool
}

// PluginName is the Helm 4 post-renderer plugin of helm-secrets.
const PluginName = "secrets-post-renderer"

// HelmArgs adds our post-renderer to a helm command line, after the shell
// plugin's fashion (appended last, before a "--"): on Helm 3 this binary,
// on Helm 4 the secrets-post-renderer plugin. A --post-renderer of the
// user's (helm takes only one) is taken out with its --post-renderer-args
// and handed to ours, which runs it first.
func HelmArgs(args []string, w Wiring) ([]string, error) {
	rest, user, userArgs := takePostRenderer(args)
	var ours []string
	userFlag := argRunFirst
	if w.Helm4 {
		if user != "" {
			dir, err := w.FindPlugin(user)
			if err != nil {
				return nil, err
			}
			user, userFlag = dir, argRunFirstPlugin
		}
		rest = append(rest, helmargs.PostRenderer, PluginName)
	} else {
		rest = append(rest, helmargs.PostRenderer, w.Self)
		ours = append(ours, "post-renderer")
	}
	if !w.Evaluate {
		ours = append(ours, argNoEvaluate)
	} else if w.DecodeSecrets {
		ours = append(ours, "--evaluate-templates-decode-secrets")
	}
	if w.CheckPlacement {
		ours = append(ours, argCheckPlacement)
	}
	if user != "" {
		ours = append(ours, userFlag, user)
		for _, u := range userArgs {
			ours = append(ours, argRunFirstArg, u)
		}
	}
	for _, o := range ours {
		rest = append(rest, helmargs.PostRendererArgs, o)
	}
	return insertBeforeDashes(args, rest), nil
}

// takePostRenderer removes --post-renderer and --post-renderer-args (both
// forms) from the helm arguments before "--".
func takePostRenderer(args []string) (rest []string, user string, userArgs []string) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return rest, user, userArgs
		}
		name, val, hasVal := strings.Cut(arg, "=")
		if !slices.Contains(helmargs.PostRendererFlags, name) {
			rest = append(rest, arg)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				rest = append(rest, arg)
				continue
			}
			i++
			val = args[i]
		}
		if name == helmargs.PostRenderer {
			user = val
		} else {
			userArgs = append(userArgs, val)
		}
	}
	return rest, user, userArgs
}

// insertBeforeDashes is rest (args before "--", rewritten) followed by
// args' own "--" and what follows it.
func insertBeforeDashes(args, rest []string) []string {
	for i, a := range args {
		if a == "--" {
			return append(rest, args[i:]...)
		}
	}
	return rest
}
