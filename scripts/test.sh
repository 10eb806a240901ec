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

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# Every Go build of the run, the tools built from this module's build list
# included, with the release binaries' settings: each package is compiled
# once (lib.sh, HELM_SECRETS_TEST_GOFLAGS). Tests run what is shipped:
# pure Go, no cgo.
export CGO_ENABLED="$HELM_SECRETS_TEST_CGO_ENABLED"
export GOFLAGS="${GOFLAGS:-} $HELM_SECRETS_TEST_GOFLAGS"

start=$(date +%s)
# Each line carries the seconds since the start, so a slow phase shows.
log() { printf '[test.sh +%ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

# Three independent builds at once: the tools, the wine root with the
# windows helm (mostly downloads and unpacking), and the API server (its
# own module). Their lines interleave, each names its script.
phases=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-phases.XXXXXX")
log "building the test tools, the wine root for the Windows test and the local Kubernetes API server (cached)"
scripts/windows-chroot.sh build >"$phases/windows.env" &
windows_pid=$!
scripts/cluster.sh build >&2 &
cluster_pid=$!
trap 'kill "$windows_pid" "$cluster_pid" 2>/dev/null; rm -rf "$phases"' EXIT
# (An assignment, not eval "$(...)": a failure stops the run.)
deps_env=$(scripts/test-deps.sh)
eval "$deps_env"
log "test tools ready"
wait "$windows_pid" || { log "scripts/windows-chroot.sh build failed"; exit 1; }
eval "$(cat "$phases/windows.env")"
log "wine root and windows helm ready"
wait "$cluster_pid" || { log "scripts/cluster.sh build failed"; exit 1; }
rm -rf "$phases"
log "API server built"

cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-cluster.XXXXXX")
e2e_pid=""
cleanup() {
    if [ -n "$e2e_pid" ]; then
        kill -- "-$e2e_pid" 2>/dev/null || true
    fi
    scripts/cluster.sh stop "$cluster_dir" >&2 || true
    rm -rf "$cluster_dir"
}
trap cleanup EXIT
log "starting the cluster"
cluster_env=$(scripts/cluster.sh start "$cluster_dir")
eval "$cluster_env"

export HELM_SECRETS_REQUIRE_TOOLS=1

# go vet runs every analyzer here, so `go test` below skips its own subset
# (-vet=off).
log "gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './scripts/cluster/*'))
if [ -n "$unformatted" ]; then
    echo "gofmt would change:" >&2
    echo "$unformatted" >&2
    exit 1
fi
go vet ./...

# The end-to-end tests are the longest step and mostly wait on the helm,
# helmfile and wine processes they start: for the full suite they run from
# here on (go vet compiled the packages they share), alongside staticcheck,
# the release and compile checks and the other packages' tests. Their
# output is printed when they end. In a process group of their own, so
# that an early exit stops them (cleanup).
full_suite=false
if [ $# -eq 0 ]; then
    full_suite=true
    e2e_log="$cluster_dir/e2e.log" # removed with the cluster's folder on exit
    setsid go test -count=1 -vet=off -timeout 30m ./e2e >"$e2e_log" 2>&1 &
    e2e_pid=$!
    log "go test ./e2e started; it runs alongside the next steps"
fi
log "staticcheck"
"$STATICCHECK_BIN" ./...

# Every binary must build for linux, darwin, windows x amd64, arm64. The
# release files for this platform are built, signed and installed by the
# end-to-end tests (e2e/install_release_test.go runs scripts/release.sh);
# HELM_SECRETS_TEST_ALL_PLATFORMS=true packs all six release platforms here
# too. For the other platforms, packages are compiled with release.sh's
# settings but not linked (`go list -export` compiles without linking),
# where a compile can fail that the host build passed: OS- and
# architecture-specific code. Our module has OS-specific files (_linux,
# _unix, _windows, ...) and no architecture-specific ones, so:
#   windows/amd64, darwin/arm64  the binaries, but helm-secrets-vals (it has
#                                no OS-specific file; compiling every vals
#                                provider's SDK per platform was most of
#                                this step): the other OS, and the other
#                                Unix on the other architecture. In the full
#                                suite the Windows test (e2e, which fails
#                                there when it cannot run) builds and links
#                                the three for windows/amd64 with these
#                                settings, so this step leaves them to it.
#   linux/arm64                  what it adds to those: linux-only files on
#                                arm64 (syscalls differ by architecture), so
#                                only the packages whose files differ
#                                between platforms (found with go list).
# darwin and linux/arm64 compile without optimisation (-N -l): nothing
# else uses those packages, and the compiler reports the same errors.
host="$(go env GOOS)/$(go env GOARCH)"
release_platforms="$host"
if [ "${HELM_SECRETS_TEST_ALL_PLATFORMS:-}" = true ]; then
    release_platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
    log "release files for $release_platforms (scripts/release.sh)"
    release_dir=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-release.XXXXXX")
    SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}" HELM4_BIN="$HELM4_BIN" \
        HELM_SECRETS_RELEASE_PLATFORMS="$release_platforms" scripts/release.sh "$(cat internal/foundation/version/VERSION)" "$release_dir" >&2
    rm -rf "$release_dir"
fi
binaries="./cmd/helm-secrets ./cmd/helm-secrets-wrapper ./cmd/helm-secrets-getter"
os_specific=$(for p in linux/amd64 linux/arm64 darwin/arm64 windows/amd64; do
    GOOS="${p%/*}" GOARCH="${p#*/}" go list -f '{{.ImportPath}}:{{join .GoFiles ","}}' ./...
done | sort -u | awk -F: '{ n[$1]++ } END { for (p in n) if (n[p] > 1) print p }' | grep -v '/internal/testsupport/' | sort)
for check in "windows/amd64::$binaries" "darwin/arm64:-N -l:$binaries" "linux/arm64:-N -l:$(echo $os_specific)"; do
    platform="${check%%:*}"
    rest="${check#*:}"
    gcflags="${rest%%:*}"
    case " $release_platforms " in *" $platform "*) continue ;; esac
    if [ "$platform" = windows/amd64 ] && [ "$full_suite" = true ]; then
        continue # e2e/windows_test.go builds them
    fi
    read -r -a pkgs <<<"${rest#*:}"
    flags=(-trimpath -export -deps)
    if [ -n "$gcflags" ]; then
        flags+=(-gcflags="all=$gcflags")
    fi
    log "compile for $platform (no link${gcflags:+, $gcflags}): ${pkgs[*]#github.com/helm-secrets/helm-secrets/}"
    CGO_ENABLED=0 GOOS="${platform%/*}" GOARCH="${platform#*/}" GOFLAGS="$GOFLAGS -mod=readonly" \
        go list "${flags[@]}" -f '' "${pkgs[@]}" >/dev/null
done

if [ "$full_suite" = true ]; then
    log "go test (every package but e2e, which is running)"
    # (An assignment: a failing go list stops the run, pipefail.)
    others=$(go list ./... | grep -v '/e2e$')
    rc=0
    # shellcheck disable=SC2086 # one package a word
    go test -count=1 -vet=off -timeout 30m $others || rc=$?
    log "waiting for go test ./e2e"
    e2e_rc=0
    wait "$e2e_pid" || e2e_rc=$?
    e2e_pid=""
    cat "$e2e_log"
    if [ "$rc" != 0 ] || [ "$e2e_rc" != 0 ]; then
        log "go test failed"
        exit 1
    fi
else
    log "go test"
    go test -count=1 -vet=off -timeout 30m "$@"
fi

# Every fuzz target runs its seed corpus (testdata/fuzz and f.Add) as part
# of `go test` above. Fuzzing itself is opt-in: HELM_SECRETS_FUZZTIME=30s
# (for example) runs each target that long, and a run that executed no
# input fails (docs/security.md: the long runs). Only for the full suite.
if [ "$full_suite" = true ] && [ -n "${HELM_SECRETS_FUZZTIME:-}" ]; then
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
