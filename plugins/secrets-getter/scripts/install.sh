#!/bin/sh
# Install hook of the secrets-getter plugin: runs the helm-secrets install
# hook (scripts/install.sh of the repository, two levels up) for this plugin
# directory, so the getter gets its own bin/helm-secrets. Helm may install a
# local directory as a symlink: resolve it first, so the hook can find the
# source tree. A release tarball bundles bin/helm-secrets and needs nothing.
set -eu

plugin_dir="${HELM_PLUGIN_DIR:-$(dirname "$0")/..}"
plugin_dir="$(cd -P "$plugin_dir" && pwd)"
HELM_PLUGIN_DIR="$plugin_dir"
export HELM_PLUGIN_DIR

root_hook="$plugin_dir/../../scripts/install.sh"
if [ -f "$root_hook" ]; then
    exec sh "$root_hook" "$@"
fi

bin="$plugin_dir/bin/helm-secrets"
if [ -n "${HELM_SECRETS_BINARY:-}" ]; then
    mkdir -p "$plugin_dir/bin"
    cp "$HELM_SECRETS_BINARY" "$bin.tmp"
    chmod 0755 "$bin.tmp"
    mv "$bin.tmp" "$bin"
    echo "helm-secrets: installed $HELM_SECRETS_BINARY" >&2
    exit 0
fi
if [ -x "$bin" ]; then
    echo "helm-secrets: using the bundled binary $bin" >&2
    exit 0
fi
echo "helm-secrets: no binary: set HELM_SECRETS_BINARY to a built helm-secrets, or install from a release" >&2
exit 1
