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

start=$(date +%s)
# Each line carries the seconds since the start, so a slow phase shows.
log() { printf '[test.sh +%ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

log "installing test tools"
eval "$(scripts/test-deps.sh)"

log "building the wine root and windows helm for the Windows test (cached)"
eval "$(scripts/windows-chroot.sh build)"

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

log "gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './scripts/cluster/*'))
if [ -n "$unformatted" ]; then
    echo "gofmt would change:" >&2
    echo "$unformatted" >&2
    exit 1
fi
go vet ./...
log "staticcheck"
"$STATICCHECK_BIN" ./...

# Every binary must build for linux, darwin, windows x amd64, arm64. The
# release files are packed for this platform only (unsigned here; e2e signs
# and installs its own). For the other platforms the binaries' packages are
# compiled, OS-specific files included, with release.sh's flags but not
# linked (`go list -export` compiles without linking). What a cross compile
# catches that the host build does not is OS- and architecture-specific
# code: our module has OS-specific files (_linux, _unix, _windows, ...) and
# no architecture-specific ones, so one platform per other OS and linux on
# the other architecture cover it: linux/arm64 (syscalls differ by
# architecture), darwin/arm64 and windows/amd64. helm-secrets-vals is
# left out of them: it has no OS-specific file of its own, and compiling
# every vals provider's SDK again per platform was most of this step's
# time. HELM_SECRETS_TEST_ALL_PLATFORMS=true packs all six release
# platforms instead.
host="$(go env GOOS)/$(go env GOARCH)"
all_platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
check_platforms="linux/arm64 darwin/arm64 windows/amd64"
release_platforms="$host"
if [ "${HELM_SECRETS_TEST_ALL_PLATFORMS:-}" = true ]; then
    release_platforms="$all_platforms"
fi
log "release files for $release_platforms (scripts/release.sh)"
release_dir=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-release.XXXXXX")
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}" HELM4_BIN="$HELM4_BIN" \
    HELM_SECRETS_RELEASE_PLATFORMS="$release_platforms" scripts/release.sh "$(cat internal/foundation/version/VERSION)" "$release_dir" >&2
rm -rf "$release_dir"
for platform in $check_platforms; do
    case " $release_platforms " in *" $platform "*) continue ;; esac
    log "compile the binaries but helm-secrets-vals for $platform (no link)"
    CGO_ENABLED=0 GOOS="${platform%/*}" GOARCH="${platform#*/}" GOFLAGS="$GOFLAGS -mod=readonly" \
        go list -trimpath -export -deps -f '' ./cmd/helm-secrets ./cmd/helm-secrets-wrapper ./cmd/helm-secrets-getter >/dev/null
done

log "go test"
if [ $# -eq 0 ]; then
    set -- ./...
fi
go test -count=1 -timeout 30m "$@"

# Every fuzz target runs its seed corpus (testdata/fuzz and f.Add) as part
# of `go test` above. Fuzzing itself is opt-in: HELM_SECRETS_FUZZTIME=30s
# (for example) runs each target that long, and a run that executed no
# input fails (docs/security.md: the long runs). Only for the full suite.
if [ "$*" = "./..." ] && [ -n "${HELM_SECRETS_FUZZTIME:-}" ]; then
    fuzz_log="$cluster_dir/fuzz.log" # removed with the cluster's folder on exit
    # fuzz_once PKG:TARGET: one run, its output shown and kept in $fuzz_log.
    fuzz_once() {
        go test -run '^$' -fuzz "^${1#*:}\$" -fuzztime "$HELM_SECRETS_FUZZTIME" "${1%%:*}" >"$fuzz_log" 2>&1
        local rc=$?
        cat "$fuzz_log" >&2
        return "$rc"
    }
    for target in ./pkg/encrypt:FuzzDecrypt ./internal/helm/wrapper:FuzzFindSlotsRebuild ./internal/remote/getter:FuzzParseURL \
        ./internal/lean/sopslite:FuzzDecryptYAML ./internal/lean/sopslite:FuzzNamesOtherKeyTypes \
        ./internal/lean/sopslite:FuzzSplitValue ./internal/helm/redact:FuzzRedact ./internal/lean/leanwrap:FuzzSameAsFullWrapper; do
        log "fuzz ${target#*:} for $HELM_SECRETS_FUZZTIME"
        fuzz_once "$target" || {
            # Go 1.26's fuzz coordinator can report "context deadline
            # exceeded" at the -fuzztime deadline with no failing input
            # (golang/go#75804, fixed in Go 1.27). Only that is run again,
            # once; a failing input, a panic or a second failure fail.
            grep -q 'context deadline exceeded' "$fuzz_log" && ! grep -q 'Failing input written' "$fuzz_log" || exit 1
            log "fuzz ${target#*:}: the coordinator's deadline race (golang/go#75804), no failing input; once more"
            fuzz_once "$target" || exit 1
        }
        # The last progress line counts the executions and the corpus:
        # no more executions than corpus entries means the target never
        # ran past its seeds.
        last=$(grep 'execs: [0-9]' "$fuzz_log" | tail -n 1 || true)
        execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' <<<"$last")
        corpus=$(sed -n 's/.*(total: \([0-9]*\)).*/\1/p' <<<"$last")
        if [ -z "$execs" ] || [ "$execs" -le "${corpus:-0}" ]; then
            log "fuzz ${target#*:}: no input past the seed corpus executed in $HELM_SECRETS_FUZZTIME (${last:-no progress line})"
            exit 1
        fi
    done
fi
log "done in $(( $(date +%s) - start ))s"
