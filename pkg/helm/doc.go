// Package helm installs, upgrades and renders charts with SOPS-encrypted
// values in process, through the Helm 3 SDK (helm.sh/helm/v3); package
// helm4 is the same API on Helm 4.
//
// Operators, CI tools and GitOps controllers get the CLI's power without a
// helm binary. Install, Upgrade (with Install set for `upgrade --install`)
// and Template are shaped like Helm's pkg/action: a struct per action that
// embeds Helm's own action (so the CLI's flags are its fields), shares an
// *action.Configuration, and has a Run method that honours its context:
//
//	cfg, err := helm.NewConfiguration(nil, "prod", nil) // KUBECONFIG, HELM_DRIVER, ...
//	up := helm.NewUpgrade(cfg)
//	up.Install, up.Namespace = true, "prod"
//	up.Values.ValueFiles = []string{"values.yaml", "secrets.yaml"}
//	rel, err := up.RunPath(ctx, "shop", "./chart")
//
// ValueOptions has the fields of Helm's values.Options (a values.Options
// converts to it) and merges with exactly Helm's precedence: values files
// in order, then --set-json, --set, --set-string, --set-file and
// --set-literal. Local files that are SOPS documents, for -f and
// --set-file, are decrypted in memory, concurrently, before anything is
// merged; encrypted literals in --set, --set-string and --set-json become
// their plaintext. Plain sources behave exactly as in Helm. Any failure
// fails the whole merge, with every error naming its file or flag, so
// nothing is installed with half-decrypted values.
//
// Keys come from the encrypt.Engine given as Engine (encrypt.Options.Keys
// injects them); a nil Engine finds them in the environment, as the sops
// CLI does. URLs in values sources are fetched by the getter.Providers
// given as Getters, as the helm CLI does.
//
// The decryption core (ValueOptions.Merge with a Resolver) does not
// depend on a Helm SDK version: it is shared with package helm4, and
// MergeValues and the actions adapt it to Helm 3. A program importing this
// package links Helm 3 only.
package helm
