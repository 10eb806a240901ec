#!/bin/sh
# Install hook of the helm-secrets plugins (Helm 3 and Helm 4). Puts the
# helm-secrets binary at $HELM_PLUGIN_DIR/bin/helm-secrets, from the first of:
#   1. a binary already there (release tarballs bundle it);
#   2. HELM_SECRETS_BINARY, a path to a built binary (copied);
#   3. `go build` from the source tree the plugin directory belongs to.
# It never downloads anything.
set -eu

plugin_dir="${HELM_PLUGIN_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
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

# Find the module root (the getter plugin lives two levels below it).
src="$plugin_dir"
while [ ! -f "$src/go.mod" ] && [ "$src" != "/" ]; do
    src=$(dirname "$src")
done
if [ -f "$src/go.mod" ] && command -v go >/dev/null 2>&1; then
    echo "helm-secrets: building from source in $src" >&2
    (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin" ./cmd/helm-secrets)
    exit 0
fi

echo "helm-secrets: no binary: set HELM_SECRETS_BINARY to a built helm-secrets, or install Go to build from source" >&2
exit 1
