// Package helm4 installs, upgrades and renders charts with SOPS-encrypted
// values in process, through the Helm 4 SDK (helm.sh/helm/v4). It is
// package helm's API on Helm 4: a program that imports it links Helm 4
// only, and one that imports package helm links Helm 3 only.
//
// Install, Upgrade (with Install set for `upgrade --install`) and Template
// are shaped like Helm's pkg/action: a struct per action that embeds Helm
// 4's own action (so the CLI's flags are its fields), shares an
// *action.Configuration, and has a Run method that honours its context:
//
//	cfg, err := helm4.NewConfiguration(nil, "prod", nil) // KUBECONFIG, HELM_DRIVER, ...
//	up := helm4.NewUpgrade(cfg)
//	up.Install, up.Namespace = true, "prod"
//	up.Values.ValueFiles = []string{"values.yaml", "secrets.yaml"}
//	rel, err := up.RunPath(ctx, "shop", "./chart")
//
// ValueOptions has the fields of Helm 4's values.Options (a values.Options
// converts to it) and merges with exactly Helm's precedence: values files
// in order, then --set-json, --set, --set-string, --set-file and
// --set-literal, parsed by Helm 4's strvals parser. Local files that are
// SOPS documents, for -f and --set-file, are decrypted in memory,
// concurrently, before anything is merged; encrypted literals in --set,
// --set-string and --set-json become their plaintext. Plain sources behave
// exactly as in Helm. Any failure fails the whole merge, with every error
// naming its file or flag, so nothing is installed with half-decrypted
// values. The decryption core is the one package helm uses.
//
// Keys come from the encrypt.Engine given as Engine (encrypt.Options.Keys
// injects them); a nil Engine finds them in the environment, as the sops
// CLI does. URLs in values sources are fetched by the getter.Providers
// given as Getters, as the helm CLI does.
//
// # Differences from package helm
//
// The names, fields and methods are package helm's; what differs is what
// Helm 4 changed:
//
//   - Types come from Helm 4's packages: *action.Configuration and the
//     embedded actions from helm.sh/helm/v4/pkg/action, charts from
//     pkg/chart/v2 (LoadChart loads apiVersion v1 and v2 charts), releases
//     from pkg/release/v1 (Run returns *release.Release, not Helm 4's
//     release.Releaser interface), getters from pkg/getter, statuses from
//     pkg/release/common (common.StatusDeployed).
//   - NewConfiguration takes a slog.Handler for Helm's log records instead
//     of Helm 3's printf-style DebugLog (nil discards them).
//   - The embedded actions have Helm 4's fields: WaitStrategy (and
//     WaitOptions) instead of Wait, RollbackOnFailure instead of Atomic,
//     DryRunStrategy instead of DryRun/DryRunOption, ForceReplace instead
//     of Force, ServerSideApply and ForceConflicts. NewInstall, NewUpgrade
//     and NewTemplate set the helm CLI's defaults, which differ from Helm
//     4's SDK defaults: WaitStrategy kube.HookOnlyStrategy (as without
//     --wait; kube.StatusWatcherStrategy is --wait) and the CLI's status
//     workers. Helm 4's own constructors for the actions this package
//     does not wrap (action.NewUninstall, action.NewRollback) leave
//     WaitStrategy empty, and Run then fails with "wait strategy not
//     set": set it (kube.HookOnlyStrategy is the CLI's default).
//   - Template renders with DryRunStrategy action.DryRunClient (Helm 3:
//     ClientOnly), in a Configuration of its own.
//   - The error for a chart whose dependencies are missing uses Helm 4's
//     words.
package helm4
