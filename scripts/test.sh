#!/usr/bin/env bash
# Runs every test on a fresh machine: installs the pinned test tools, builds
# and starts a real local Kubernetes API server, then runs the checks and the
# whole Go test suite (unit, cross-compatibility with the sops CLI and gpg,
# fake GCP KMS, and end to end with helm v3 and v4, a real helmfile and the
# Argo CD repo-server layout). Tools and cluster
# binaries are cached under $HELM_SECRETS_CACHE (default ~/.cache/helm-secrets).
#
#   scripts/test.sh              everything
#   scripts/test.sh ./pkg/...    only these packages (checks still run)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
fi

log() { printf '[test.sh] %s\n' "$*" >&2; }

start=$(date +%s)
log "installing test tools"
eval "$(scripts/test-deps.sh)"

log "building the local Kubernetes API server (cached)"
scripts/cluster.sh build >&2

cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-cluster.XXXXXX")
cleanup() {
    scripts/cluster.sh stop "$cluster_dir" >&2 || true
    rm -rf "$cluster_dir"
}
trap cleanup EXIT
log "starting the cluster"
eval "$(scripts/cluster.sh start "$cluster_dir")"

export HELM_SECRETS_REQUIRE_TOOLS=1
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

log "gofmt, go vet, staticcheck"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './scripts/cluster/*'))
if [ -n "$unformatted" ]; then
    echo "gofmt would change:" >&2
    echo "$unformatted" >&2
    exit 1
fi
go vet ./...
"$STATICCHECK_BIN" ./...

log "cross-compiling the plugin binaries"
for os in linux darwin windows; do
    for arch in amd64 arm64; do
        CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -o /dev/null ./cmd/helm-secrets
        CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -o /dev/null ./cmd/helm-secrets-getter
    done
done

log "go test"
if [ $# -eq 0 ]; then
    set -- ./...
fi
go test -count=1 -timeout 30m "$@"

# A short run of every fuzz target (long runs: docs/security.md). Only for
# the full suite, not when packages are named.
if [ "$*" = "./..." ]; then
    fuzztime=${HELM_SECRETS_FUZZTIME:-10s}
    for target in ./pkg/encrypt:FuzzDecrypt ./internal/wrapper:FuzzFindSlotsRebuild ./internal/getter:FuzzParseURL \
        ./internal/sopslite:FuzzDecryptYAML ./internal/redact:FuzzRedact; do
        log "fuzz ${target#*:} for $fuzztime"
        go test -run '^$' -fuzz "^${target#*:}\$" -fuzztime "$fuzztime" "${target%%:*}"
    done
fi
log "done in $(( $(date +%s) - start ))s"
