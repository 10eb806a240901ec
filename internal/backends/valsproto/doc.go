// Package valsproto is the small, dependency-free side of the vals
// backend: the messages helm-secrets and the getter exchange with the
// helm-secrets-vals binary (which links the vals library and its provider
// SDKs, so that nothing else has to), the Session that starts that binary
// once per run and talks to it over its stdin and stdout, the provider
// allow-list (HELM_SECRETS_VALS_PROVIDERS), and Involved, which tells a
// front binary whether a command line needs vals at all.
//
// Values only ever travel over the pipes: never in argv or the child's
// environment.
package valsproto
