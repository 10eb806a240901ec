// Package version holds the one version of helm-secrets: the VERSION file
// next to this package, embedded at build time. The plugin manifests
// (plugin.yaml, plugins/*/plugin.yaml), `helm secrets --version`,
// `helm-secrets-getter --version` and the release file names all use it;
// version_test.go fails when a manifest or a document disagrees, and
// scripts/release.sh refuses a VERSION argument that differs from it.
//
// The policy (docs/install.md): semantic versioning, starting at 5.0.0 so
// that tools which read the shell plugin's version (helmfile: major > 3
// runs `helm secrets decrypt`; `helmfile init` wants >= 4.7.4 and installs
// the split Helm 4 packages from 4.7.0 on) treat this plugin as a current
// helm-secrets.
package version
