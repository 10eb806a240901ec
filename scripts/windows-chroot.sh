#!/usr/bin/env bash
# A Debian 13 (trixie) root with wine, for running the windows/amd64 binaries
# in tests. Debian 12's wine (8.x) cannot start a Go 1.26 windows binary;
# trixie's wine (10.x) can. The root is built once with debootstrap (minbase)
# from the same Debian mirror this machine's apt uses, and cached by version:
#
#   scripts/windows-chroot.sh build      build the root and a windows/amd64 helm v3 (each
#                                        skipped when present) and print
#                                        `export WINE_CHROOT=DIR HELM3_WINDOWS_EXE=FILE`
#   scripts/windows-chroot.sh run CMD... run CMD inside the root (as root, in new
#                                        mount and PID namespaces with /proc mounted,
#                                        so no process outlives CMD; its own wineserver),
#                                        with a clean
#                                        environment: HOME=/root, WINEDEBUG=-all,
#                                        XDG_RUNTIME_DIR=/run/user/0,
#                                        WINEPREFIX=$WINEPREFIX (default /root/.wine);
#                                        extra VAR=VALUE words before CMD are added
#
# The root holds a ready wine prefix in /root/.wine (wineboot ran at build
# time), no X server: wine runs console programs headless. Needs root (for
# debootstrap and chroot), debootstrap and unshare (util-linux); debootstrap is
# installed with apt-get when missing. One build at a time per cache (flock);
# a second builder waits and then finds the root.
#
# The windows helm is Helm 3 at the version scripts/test-deps.sh pins, built
# from its module (the Go module proxy) with its own go.mod, GOOS=windows.
#
# Honours HELM_SECRETS_CACHE; WINE_CHROOT_MIRROR overrides the mirror.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- pinned version (bump it to rebuild the root) ----------------------------
WINE_CHROOT_SUITE=trixie
WINE_CHROOT_VERSION=1
WINE_CHROOT_PACKAGES=(wine wine64)
# ------------------------------------------------------------------------------

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

chroot_dir() {
	printf '%s/tools/wine-%s-%s\n' "${HELM_SECRETS_CACHE}" "${WINE_CHROOT_SUITE}" "${WINE_CHROOT_VERSION}"
}

# mirror — the first Debian archive URI of this machine's apt sources (the
# deb822 file or sources.list), else deb.debian.org.
mirror() {
	if [[ -n "${WINE_CHROOT_MIRROR:-}" ]]; then
		printf '%s\n' "${WINE_CHROOT_MIRROR}"
		return
	fi
	local m=""
	if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
		m="$(awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
	fi
	if [[ -z "${m}" && -f /etc/apt/sources.list ]]; then
		m="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)"
	fi
	printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# in_root ROOT CMD... — CMD in ROOT, in new mount and PID namespaces with a
# fresh /proc; when CMD exits (or unshare is killed), every process it
# started (wineserver too) ends.
in_root() {
	local root="$1"
	shift
	unshare --mount --pid --fork --kill-child --mount-proc="${root}/proc" chroot "${root}" "$@"
}

cmd_build() {
	local root ready
	root="$(chroot_dir)"
	ready="${root}/.ready"
	if [[ ! -f "${ready}" ]]; then
		[[ "$(id -u)" == 0 ]] || die "building the wine root needs root (debootstrap, chroot)"
		ensure_apt debootstrap debootstrap
		command -v unshare >/dev/null 2>&1 || die "unshare (util-linux) is missing"
		mkdir -p "$(dirname "${root}")"
		local lock_fd
		exec {lock_fd}>"${root}.lock"
		flock "${lock_fd}"
	fi
	if [[ ! -f "${ready}" ]]; then
		local tmp t0 m
		t0="$(now_ms)"
		m="$(mirror)"
		tmp="${root}.tmp"
		rm -rf "${tmp}" "${root}"
		log "debootstrap ${WINE_CHROOT_SUITE} (minbase) from ${m} -> ${root}"
		if ! debootstrap --variant=minbase --components=main \
			"${WINE_CHROOT_SUITE}" "${tmp}" "${m}" >"${tmp}.debootstrap.log" 2>&1; then
			tail -20 "${tmp}.debootstrap.log" >&2
			die "debootstrap ${WINE_CHROOT_SUITE} failed (log: ${tmp}.debootstrap.log)"
		fi
		log "debootstrap done in $(($(now_ms) - t0)) ms; installing ${WINE_CHROOT_PACKAGES[*]}"
		if ! in_root "${tmp}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
			sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
			sh "${WINE_CHROOT_PACKAGES[@]}" >"${tmp}.apt.log" 2>&1; then
			tail -20 "${tmp}.apt.log" >&2
			die "apt-get install ${WINE_CHROOT_PACKAGES[*]} in the ${WINE_CHROOT_SUITE} root failed (log: ${tmp}.apt.log)"
		fi
		rm -rf "${tmp}"/var/lib/apt/lists/* "${tmp}"/var/cache/apt/*.bin
		log "creating the wine prefix (wineboot)"
		if ! in_root "${tmp}" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root WINEDEBUG=-all \
			WINEPREFIX=/root/.wine WINEDLLOVERRIDES='mscoree,mshtml=' \
			sh -c 'wineboot --init && wineserver --wait' >"${tmp}.wineboot.log" 2>&1; then
			tail -20 "${tmp}.wineboot.log" >&2
			die "wineboot in the ${WINE_CHROOT_SUITE} root failed"
		fi
		mkdir -p -m 0700 "${tmp}/run/user/0"
		check_hello "${tmp}"
		date -u +%FT%TZ >"${tmp}/.ready"
		rm -f "${tmp}".*.log
		mv "${tmp}" "${root}"
		log "built the wine root in $(($(now_ms) - t0)) ms, $(du -sh "${root}" | cut -f1) on disk"
	fi
	printf 'export WINE_CHROOT=%q\n' "${root}"
	build_helm_windows
}

# build_helm_windows — helm.exe (Helm 3, windows/amd64) at the version
# scripts/test-deps.sh pins, built (with its version stamped) from this
# module's build list like the linux helm (build_in_module in lib.sh), so
# it shares its packages with the windows builds of our binaries. Cached by
# version.
build_helm_windows() {
	local version dir exe
	version="$(awk -F= '$1 == "HELM3_VERSION" { print $2; exit }' "${HELM_SECRETS_SCRIPTS_DIR}/test-deps.sh")"
	[[ "${version}" == v3.* ]] || die "cannot read HELM3_VERSION from test-deps.sh"
	dir="$(tool_dir helm-windows-amd64 "${version}")"
	exe="${dir}/helm.exe"
	if [[ ! -f "${exe}" ]]; then
		mkdir -p "${dir}"
		local lock_fd
		exec {lock_fd}>"${dir}/.build.lock"
		flock "${lock_fd}"
	fi
	exe="$(GOOS=windows GOARCH=amd64 build_in_module helm-windows-amd64 helm.sh/helm/v3 "${version}" helm.sh/helm/v3/cmd/helm \
		-ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${version}")"
	printf 'export HELM3_WINDOWS_EXE=%q\n' "${exe}"
}

# check_hello ROOT — a Go hello-world for windows/amd64 must print its line
# under the root's wine, or the root is useless.
check_hello() {
	local root="$1" src out
	src="$(mktemp -d)"
	cat >"${src}/main.go" <<'EOF'
package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Printf("hello from %s/%s\n", runtime.GOOS, runtime.GOARCH) }
EOF
	(cd "${src}" && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 GOWORK=off GOFLAGS= GO111MODULE=off \
		go build -o "${root}/tmp/hello.exe" main.go) || die "building the windows hello-world failed"
	rm -rf "${src}"
	out="$(in_root "${root}" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root XDG_RUNTIME_DIR=/run/user/0 WINEDEBUG=-all \
		WINEPREFIX=/root/.wine wine /tmp/hello.exe 2>&1)" || die "wine hello.exe failed: ${out}"
	rm -f "${root}/tmp/hello.exe"
	[[ "${out}" == *"hello from windows/amd64"* ]] || die "wine hello.exe printed '${out}'"
	log "wine runs a Go windows/amd64 binary: ${out//$'\r'/}"
}

cmd_run() {
	local root="${WINE_CHROOT:-$(chroot_dir)}"
	[[ -f "${root}/.ready" ]] || die "no wine root at ${root}: run '$0 build' first"
	local -a envs=(PATH=/usr/bin:/bin HOME=/root XDG_RUNTIME_DIR=/run/user/0 WINEDEBUG=-all "WINEPREFIX=${WINEPREFIX:-/root/.wine}")
	while [[ $# -gt 0 && "$1" == [A-Za-z_]*=* ]]; do
		envs+=("$1")
		shift
	done
	[[ $# -gt 0 ]] || usage
	# exec: a signal to this script reaches unshare, whose --kill-child
	# ends the namespace's first process and with it every other. A private
	# tmpfs on /run/user/0 (XDG_RUNTIME_DIR, where wineserver puts its
	# socket) gives each run its own wineserver: two runs at once would
	# otherwise share one across PID namespaces, and the second hangs.
	# shellcheck disable=SC2016 # expanded by the inner sh
	exec unshare --mount --pid --fork --kill-child --mount-proc="${root}/proc" \
		sh -c 'mount -t tmpfs -o mode=0700,size=16m wineserver "$1/run/user/0" &&
			r="$1" && shift && exec chroot "$r" "$@"' sh "${root}" /usr/bin/env -i "${envs[@]}" "$@"
}

case "${1:-}" in
build) cmd_build ;;
run)
	shift
	cmd_run "$@"
	;;
*) usage ;;
esac
