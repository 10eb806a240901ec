#!/bin/sh
# Install hook of the helm-secrets plugins (Helm 3 and Helm 4). Puts two
# binaries in $HELM_PLUGIN_DIR/bin: helm-secrets (the CLI and full
# downloader) and helm-secrets-getter (the lean downloader Helm runs per
# secrets:// file), from the first of:
#   1. binaries already there (release tarballs bundle them);
#   2. HELM_SECRETS_BINARY, a path to a built helm-secrets (copied), with
#      HELM_SECRETS_GETTER_BINARY or the helm-secrets-getter next to it;
#   3. `go build` from the source tree the plugin directory belongs to.
# Without a lean getter binary, a copy of helm-secrets serves as
# helm-secrets-getter (it runs the downloader when called by that name).
# It never downloads anything.
set -eu

plugin_dir="${HELM_PLUGIN_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
bin="$plugin_dir/bin/helm-secrets"
getter="$plugin_dir/bin/helm-secrets-getter"

# put SRC DST: copy atomically, executable.
put() {
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2.tmp"
    chmod 0755 "$2.tmp"
    mv "$2.tmp" "$2"
}

if [ -n "${HELM_SECRETS_BINARY:-}" ]; then
    put "$HELM_SECRETS_BINARY" "$bin"
    g="${HELM_SECRETS_GETTER_BINARY:-$(dirname "$HELM_SECRETS_BINARY")/helm-secrets-getter}"
    if [ -f "$g" ]; then put "$g" "$getter"; else put "$HELM_SECRETS_BINARY" "$getter"; fi
    echo "helm-secrets: installed $HELM_SECRETS_BINARY" >&2
    exit 0
fi

if [ -x "$bin" ]; then
    [ -x "$getter" ] || put "$bin" "$getter"
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
    (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin" ./cmd/helm-secrets &&
        CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$getter" ./cmd/helm-secrets-getter)
    exit 0
fi

echo "helm-secrets: no binary: set HELM_SECRETS_BINARY to a built helm-secrets, or install Go to build from source" >&2
exit 1
