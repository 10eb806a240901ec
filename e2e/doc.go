// Package e2e runs the helm-secrets plugin end to end: real helm v3 and v4
// binaries with the plugin installed through its own manifest and install
// hook, the real sops engine, and a real Kubernetes API server (started by
// scripts/cluster.sh; its kubeconfig comes in through KUBECONFIG).
//
// Tools come from scripts/test-deps.sh (HELM3_BIN, HELM4_BIN). Under
// HELM_SECRETS_REQUIRE_TOOLS=1 a missing tool or cluster fails the suite
// instead of skipping it.
package e2e
