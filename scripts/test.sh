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

# Every binary must build for linux, darwin, windows x amd64, arm64. The
# release files are packed for this platform only (unsigned here; e2e signs
# and installs its own); for the other five every package of the binaries is
# compiled, OS-specific files included, with release.sh's flags but not
# linked (`go list -export` compiles; `go build` of several packages still
# links each binary, and linking helm-secrets-vals six times was most of
# this step's time). HELM_SECRETS_TEST_ALL_PLATFORMS=true packs all six.
host="$(go env GOOS)/$(go env GOARCH)"
all_platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
release_platforms="$host"
if [ "${HELM_SECRETS_TEST_ALL_PLATFORMS:-}" = true ]; then
    release_platforms="$all_platforms"
fi
log "release files for $release_platforms (scripts/release.sh)"
release_dir=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-release.XXXXXX")
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}" HELM4_BIN="$HELM4_BIN" \
    HELM_SECRETS_RELEASE_PLATFORMS="$release_platforms" scripts/release.sh "$(cat internal/version/VERSION)" "$release_dir" >&2
rm -rf "$release_dir"
for platform in $all_platforms; do
    case " $release_platforms " in *" $platform "*) continue ;; esac
    log "compile ./cmd/... for $platform (no link)"
    CGO_ENABLED=0 GOOS="${platform%/*}" GOARCH="${platform#*/}" GOFLAGS="$GOFLAGS -mod=readonly" \
        go list -trimpath -export -deps -f '' ./cmd/... >/dev/null
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
    fuzz_log="$cluster_dir/fuzz.log" # removed with the cluster's folder on exit
    # fuzz_once PKG:TARGET: one short run, its output shown and kept in $fuzz_log.
    fuzz_once() {
        go test -run '^$' -fuzz "^${1#*:}\$" -fuzztime "$fuzztime" "${1%%:*}" 2>&1 | tee "$fuzz_log"
        return "${PIPESTATUS[0]}"
    }
    for target in ./pkg/encrypt:FuzzDecrypt ./internal/wrapper:FuzzFindSlotsRebuild ./internal/getter:FuzzParseURL \
        ./internal/sopslite:FuzzDecryptYAML ./internal/sopslite:FuzzNamesOtherKeyTypes \
        ./internal/sopslite:FuzzSplitValue ./internal/redact:FuzzRedact ./internal/leanwrap:FuzzSameAsFullWrapper; do
        log "fuzz ${target#*:} for $fuzztime"
        fuzz_once "$target" || {
            # Go 1.26's fuzz coordinator can report "context deadline
            # exceeded" at the -fuzztime deadline with no failing input
            # (golang/go#75804, fixed in Go 1.27). Only that is run again,
            # once; a failing input, a panic or a second failure fail.
            grep -q 'context deadline exceeded' "$fuzz_log" && ! grep -q 'Failing input written' "$fuzz_log" || exit 1
            log "fuzz ${target#*:}: the coordinator's deadline race (golang/go#75804), no failing input; once more"
            fuzz_once "$target"
        }
    done
fi
log "done in $(( $(date +%s) - start ))s"
