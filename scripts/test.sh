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

# Cross-compiles both binaries for linux, darwin, windows x amd64, arm64 and
# packs every release file (unsigned here; e2e signs and installs them).
log "release files for every platform (scripts/release.sh)"
release_dir=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-release.XXXXXX")
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}" HELM4_BIN="$HELM4_BIN" \
    scripts/release.sh "$(cat internal/version/VERSION)" "$release_dir" >&2
rm -rf "$release_dir"

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
