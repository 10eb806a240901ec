#!/usr/bin/env bash
# Installs the helm-secrets plugin and runs it end to end on this machine:
# generates an age key, encrypts a values file with `helm secrets encrypt`,
# renders a chart with `helm secrets template`, and installs it with
# `helm secrets upgrade --install` into a Kubernetes cluster: the one in
# KUBECONFIG if reachable, else (with --local-cluster) a local API server
# started by scripts/cluster.sh; with neither, it stops after the render.
#
#   scripts/demo.sh                  install the plugin, encrypt, render (and install if a cluster is reachable)
#   scripts/demo.sh --local-cluster  also build (first time ~15 min) and start a local API server to install into
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
fi
say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

local_cluster=false
[ "${1:-}" = "--local-cluster" ] && local_cluster=true

say "Installing tools (helm, sops, age) into ${HELM_SECRETS_CACHE:-~/.cache/helm-secrets}"
eval "$(scripts/test-deps.sh)"
helm_bin=$(command -v helm || true)
if [ -z "$helm_bin" ]; then
    helm_bin=$HELM4_BIN
fi
helm() { "$helm_bin" "$@"; }

say "Building and installing the plugin into $helm_bin"
go build -trimpath -o bin/helm-secrets ./cmd/helm-secrets
for p in secrets secrets-getter secrets-post-renderer; do
    if helm plugin list 2>/dev/null | grep -q "^$p\b"; then
        helm plugin uninstall "$p" >/dev/null
    fi
done
# Helm 3: the root plugin (helm secrets and secrets://); Helm 4: the cli/v1
# and getter/v1 plugins under plugins/ (docs/install.md).
if "$helm_bin" version --short | grep -q '^v4'; then
    for p in helm-secrets-cli helm-secrets-getter; do
        HELM_SECRETS_BINARY="$repo/bin/helm-secrets" run "$helm_bin" plugin install "$repo/plugins/$p" --verify=false
    done
else
    HELM_SECRETS_BINARY="$repo/bin/helm-secrets" run "$helm_bin" plugin install "$repo"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-demo.XXXXXX")
cluster_dir=""
cleanup() {
    if [ -n "$cluster_dir" ]; then scripts/cluster.sh stop "$cluster_dir" >/dev/null 2>&1 || true; rm -rf "$cluster_dir"; fi
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

say "Generating an age key and a .sops.yaml creation rule"
"$AGE_KEYGEN_BIN" -o key.txt 2>/dev/null
recipient=$("$AGE_KEYGEN_BIN" -y key.txt)
export SOPS_AGE_KEY_FILE="$work/key.txt"
printf 'creation_rules:\n  - age: %s\n' "$recipient" > .sops.yaml
cat .sops.yaml

say "Encrypting a values file in place"
printf 'password: demo-s3cret\ntoken: demo-token\n' > secrets.yaml
run helm secrets encrypt -i secrets.yaml
head -3 secrets.yaml
echo "..."

say "Rendering the chart with the decrypted values (nothing decrypted is written to disk)"
run helm secrets template demo "$repo/testdata/charts/app" -f secrets.yaml | sed -n '/kind: Secret/,/token/p'

if ! helm list >/dev/null 2>&1 && $local_cluster; then
    say "Starting a local Kubernetes API server"
    "$repo/scripts/cluster.sh" build >&2
    cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-demo-cluster.XXXXXX")
    eval "$("$repo/scripts/cluster.sh" start "$cluster_dir")"
fi
if helm list >/dev/null 2>&1; then
    say "Installing into the cluster ($(kubectl config current-context 2>/dev/null || echo "${KUBECONFIG:-default kubeconfig}"))"
    run helm secrets upgrade --install demo "$repo/testdata/charts/app" -n helm-secrets-demo --create-namespace -f secrets.yaml
    run helm get values demo -n helm-secrets-demo --all | grep -E 'password|token'
    run helm uninstall demo -n helm-secrets-demo
else
    say "No reachable cluster: skipped the install (run with --local-cluster to start one)"
fi
say "Done. The plugin stays installed: try 'helm secrets --help'."
