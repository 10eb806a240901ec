# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it, do not run it:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Honours:
#   HELM_SECRETS_CACHE  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/helm-secrets).
#                       It lives outside the checkout so that CI runs on the same
#                       machine, and other worktrees, reuse installed tools.
#   HELM_SECRETS_QUIET  when set to 1, log() prints nothing.

if [[ -n "${HELM_SECRETS_LIB_LOADED:-}" ]]; then
	return 0
fi
HELM_SECRETS_LIB_LOADED=1

# shellcheck disable=SC2034 # used by the scripts that source this file
HELM_SECRETS_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HELM_SECRETS_CACHE="${HELM_SECRETS_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/helm-secrets}"
export HELM_SECRETS_CACHE

# log MESSAGE... — progress messages go to stderr, so stdout stays clean for
# output meant for `eval`.
log() {
	if [[ "${HELM_SECRETS_QUIET:-0}" != 1 ]]; then
		printf '[%s] %s\n' "${0##*/}" "$*" >&2
	fi
}

# die MESSAGE... — log an error and exit 1.
die() {
	printf '[%s] error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# now_ms — milliseconds since the epoch (for timing messages).
now_ms() {
	local t
	t="$(date +%s%N)"
	printf '%s\n' "$((t / 1000000))"
}

# tool_dir NAME VERSION — the folder a pinned tool is installed into.
tool_dir() {
	printf '%s/tools/%s-%s\n' "${HELM_SECRETS_CACHE}" "$1" "$2"
}

# go_install_pinned NAME PACKAGE@VERSION [GO BUILD FLAGS...]
#
# Installs PACKAGE@VERSION with `go install` into
# $HELM_SECRETS_CACHE/tools/NAME-VERSION/ and prints the binary's path on
# stdout. Skips the install when that binary already exists. The binary is
# built into a temporary folder and renamed into place, so an interrupted or
# concurrent install never leaves a half-written binary behind.
go_install_pinned() {
	local name="$1" spec="$2"
	shift 2
	local pkg="${spec%@*}" version="${spec##*@}"
	if [[ "${pkg}" == "${spec}" || -z "${version}" ]]; then
		die "go_install_pinned: '${spec}' is not PACKAGE@VERSION"
	fi
	local bin_name="${pkg##*/}"
	local dir
	dir="$(tool_dir "${name}" "${version}")"
	local bin="${dir}/${bin_name}"

	if [[ -x "${bin}" ]]; then
		printf '%s\n' "${bin}"
		return 0
	fi

	log "installing ${spec} -> ${dir}"
	mkdir -p "${dir}"
	local tmp start
	tmp="$(mktemp -d "${dir}/.install.XXXXXX")"
	start="$(now_ms)"
	if ! GOBIN="${tmp}" go install "$@" "${spec}" >&2; then
		rm -rf "${tmp}"
		die "go install ${spec} failed"
	fi
	mv -f "${tmp}/${bin_name}" "${bin}"
	rm -rf "${tmp}"
	log "installed ${bin_name} ${version} in $(($(now_ms) - start)) ms"
	printf '%s\n' "${bin}"
}

# The test suite's Go build settings, the release binaries' own
# (scripts/release.sh): scripts/test.sh exports them for every build of the
# run (go vet, staticcheck, release.sh, go test and the builds the tests
# start), and the tools built from this module's build list (build_in_module)
# use them too, so each package is compiled once per run, not once per
# setting.
# shellcheck disable=SC2034 # used by the scripts that source this file
HELM_SECRETS_TEST_CGO_ENABLED=0
# (-ldflags=-w: test binaries and the binaries tests build are linked
# without DWARF, which they never read; a build that passes its own -ldflags,
# as release.sh does, replaces it.)
# shellcheck disable=SC2034
HELM_SECRETS_TEST_GOFLAGS="-trimpath -buildvcs=false -ldflags=-w"

# build_in_module NAME MODULE VERSION PACKAGE [GO BUILD FLAGS...]
#
# Builds PACKAGE, a command of MODULE, into
# $HELM_SECRETS_CACHE/tools/NAME-VERSION/ and prints the binary's path (as
# go_install_pinned does), for the platform of GOOS and GOARCH (.exe for
# windows). MODULE must be required by this repository's
# go.mod at exactly VERSION: the command is built from this module's build
# list (MODULE's own source at VERSION, its dependencies at the versions
# this module uses) with the test suite's build settings, so nearly every
# package it needs is one the test run compiles anyway. helm v3's, helm v4's
# and sops's commands need a handful of packages more than the suite does.
build_in_module() {
	local name="$1" module="$2" version="$3" pkg="$4"
	shift 4
	local dir bin root have tmp start exe=""
	if [[ "${GOOS:-}" == windows ]]; then
		exe=.exe
	fi
	dir="$(tool_dir "${name}" "${version}")"
	bin="${dir}/${pkg##*/}${exe}"
	if [[ -x "${bin}" ]]; then
		printf '%s\n' "${bin}"
		return 0
	fi
	root="$(dirname "${HELM_SECRETS_SCRIPTS_DIR}")"
	have="$(cd "${root}" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Version}}' "${module}")" ||
		die "go list -m ${module} failed in ${root}"
	[[ "${have}" == "${version}" ]] ||
		die "go.mod requires ${module} ${have}, the pinned test tool is ${version}: make them equal"
	log "building ${pkg} (${module} ${version}, this module's build list) -> ${dir}"
	mkdir -p "${dir}"
	tmp="$(mktemp -d "${dir}/.install.XXXXXX")"
	start="$(now_ms)"
	# shellcheck disable=SC2086 # HELM_SECRETS_TEST_GOFLAGS is a list of flags
	if ! (cd "${root}" && GOWORK=off CGO_ENABLED="${HELM_SECRETS_TEST_CGO_ENABLED}" \
		GOFLAGS="-mod=readonly ${HELM_SECRETS_TEST_GOFLAGS}" go build -o "${tmp}/${pkg##*/}${exe}" "$@" "${pkg}" >&2); then
		rm -rf "${tmp}"
		die "go build ${pkg} failed"
	fi
	mv -f "${tmp}/${pkg##*/}${exe}" "${bin}"
	rm -rf "${tmp}"
	log "built ${pkg##*/} ${version} for $(go env GOOS)/$(go env GOARCH) in $(($(now_ms) - start)) ms"
	printf '%s\n' "${bin}"
}

# raise_to_build_list DIR — in DIR, a writable copy of a tool's module
# source, raises every requirement on a module this module also uses to
# this module's version when that is newer (never lower; DIR's replace
# directives stay and win), and adds this module's go.sum lines to DIR's.
# The tool is then built with -mod=mod, so that go completes its go.mod from
# those lines: most of the packages it shares with this module are then the
# same packages, compiled once. Returns 1 when go cannot read either module
# graph (the caller then builds with the tool's own go.mod).
raise_to_build_list() {
	local dir="$1" root ours theirs
	root="$(dirname "${HELM_SECRETS_SCRIPTS_DIR}")"
	ours="$(cd "${root}" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Path}} {{.Version}}' all)" || return 1
	theirs="$(cd "${dir}" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Path}} {{.Version}}' all)" || return 1
	# Modules tied to a replaced one stay as the tool has them: a module the
	# tool replaces (pinned on purpose), and every module that requires a
	# tied one, directly or not (its newer version may need the newer API).
	local tied
	tied="$(cd "${dir}" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{if .Replace}}{{.Path}}{{end}}' all)" || return 1
	if [[ -n "${tied}" ]]; then
		tied="$(cd "${dir}" && GOWORK=off GOFLAGS=-mod=readonly go mod graph | awk -v seed="${tied}" '
			function path(m) { sub(/@.*/, "", m); return m }
			BEGIN { n = split(seed, s, "\n"); for (i = 1; i <= n; i++) t[s[i]] = 1 }
			{ from[NR] = path($1); to[NR] = path($2) }
			END {
				do {
					changed = 0
					for (i = 1; i <= NR; i++) if ((to[i] in t) && !(from[i] in t)) { t[from[i]] = 1; changed = 1 }
				} while (changed)
				for (m in t) print m
			}')" || return 1
	fi
	local -a edits=()
	local path have version
	# Each module both use at different versions: PATH THEIRS OURS.
	while read -r path have version; do
		if [[ "$(printf '%s\n%s\n' "${have}" "${version}" | sort -V | tail -n 1)" == "${version}" ]]; then
			edits+=("-require=${path}@${version}")
		fi
	done < <(awk 'FILENAME == ARGV[1] { tied[$1] = 1; next } FILENAME == ARGV[2] { t[$1] = $2; next }
		($1 in t) && !($1 in tied) && $2 != "" && t[$1] != "" && t[$1] != $2 { print $1, t[$1], $2 }' \
		<(printf '%s\n' "${tied}") <(printf '%s\n' "${theirs}") <(printf '%s\n' "${ours}"))
	# A module of the tool's that this module does not use, nested in one
	# it does, whose folder that module's source (at this module's version)
	# holds (google.golang.org/grpc/stats/opentelemetry, merged back into
	# google.golang.org/grpc): with the outer one raised its packages would
	# be in both, an ambiguous import. Dropped.
	local dirs nested outer
	dirs="$(cd "${root}" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Path}} {{.Dir}}' all)" || return 1
	while read -r nested outer; do
		if [[ -d "${outer}/${nested#*/@@/}" ]]; then
			edits+=("-droprequire=${nested%%/@@/*}")
		fi
	done < <(awk 'FILENAME == ARGV[1] { if ($2 != "") d[$1] = $2; next }
		!($1 in d) { p = $1; while (sub(/\/[^\/]*$/, "", p)) if (p in d) { print $1 "/@@/" substr($1, length(p) + 2), d[p]; break } }' \
		<(printf '%s\n' "${dirs}") <(printf '%s\n' "${theirs}"))
	if ((${#edits[@]} > 0)); then
		(cd "${dir}" && GOWORK=off go mod edit "${edits[@]}") || return 1
	fi
	cat "${root}/go.sum" >>"${dir}/go.sum"
}

# build_tool_source SRC TMP OUT [GO BUILD FLAGS...] PACKAGE — builds a tool
# from its module source SRC (read-only is fine) into OUT, with the test
# suite's build settings (lib.sh). First from a copy in TMP/src whose
# requirements are raised to this module's build list (raise_to_build_list:
# the packages both use are compiled once); when that copy does not build
# (an API the raised versions changed), from a fresh copy with the tool's
# own go.mod and go.sum, as released.
build_tool_source() {
	local src="$1" tmp="$2" out="$3"
	shift 3
	rm -rf "${tmp}/src"
	cp -R "${src}/." "${tmp}/src"
	chmod -R u+w "${tmp}/src"
	# shellcheck disable=SC2086 # HELM_SECRETS_TEST_GOFLAGS is a list of flags
	if raise_to_build_list "${tmp}/src" &&
		(cd "${tmp}/src" && GOWORK=off GOFLAGS="-mod=mod ${HELM_SECRETS_TEST_GOFLAGS}" \
			CGO_ENABLED="${HELM_SECRETS_TEST_CGO_ENABLED}" go build -o "${out}" "$@" >&2); then
		log "built with this module's dependency versions where they are newer"
		return 0
	fi
	log "does not build with this module's dependency versions; building with its own go.mod"
	rm -rf "${tmp}/src"
	cp -R "${src}/." "${tmp}/src"
	chmod -R u+w "${tmp}/src"
	# shellcheck disable=SC2086
	(cd "${tmp}/src" && GOWORK=off GOFLAGS="-mod=readonly ${HELM_SECRETS_TEST_GOFLAGS}" \
		CGO_ENABLED="${HELM_SECRETS_TEST_CGO_ENABLED}" go build -o "${out}" "$@" >&2)
}

# build_module_tool NAME MODULE@VERSION DIR [GO BUILD FLAGS...] — builds
# the command in folder DIR of MODULE at VERSION (build_tool_source) into
# $HELM_SECRETS_CACHE/tools/NAME-VERSION/ and prints the binary's path, like
# go_install_pinned; for tools whose dependencies overlap this module's.
build_module_tool() {
	local name="$1" spec="$2" sub="$3"
	shift 3
	local version="${spec##*@}" dir bin tmp start
	dir="$(tool_dir "${name}" "${version}")"
	bin="${dir}/${sub##*/}"
	if [[ -x "${bin}" ]]; then
		printf '%s\n' "${bin}"
		return 0
	fi
	log "building ${spec%@*}/${sub} ${version} -> ${dir}"
	mkdir -p "${dir}"
	tmp="$(mktemp -d "${dir}/.install.XXXXXX")"
	start="$(now_ms)"
	if ! build_tool_source "$(module_dir "${spec}")" "${tmp}" "${tmp}/out" "$@" "./${sub}"; then
		rm -rf "${tmp}"
		die "go build ${spec%@*}/${sub} ${version} failed"
	fi
	mv -f "${tmp}/out" "${bin}"
	rm -rf "${tmp}"
	log "built ${sub##*/} ${version} in $(($(now_ms) - start)) ms"
	printf '%s\n' "${bin}"
}

# module_field MODULE@VERSION FIELD — downloads MODULE@VERSION (or finds it in
# the module cache) and prints FIELD of `go mod download -json` (GoMod: its
# go.mod; Dir: its read-only source folder). Runs outside any module, so the
# caller's go.mod/go.sum (e.g. the project root's) are never touched.
module_field() {
	local tmp value
	tmp="$(mktemp -d)"
	value="$(cd "${tmp}" && GOWORK=off GOFLAGS='' go mod download -json "$1" |
		sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p")" || true
	rmdir "${tmp}"
	printf '%s\n' "${value}"
}

# module_gomod MODULE@VERSION — the path of MODULE@VERSION's go.mod.
module_gomod() {
	local gomod
	gomod="$(module_field "$1" GoMod)"
	[[ -n "${gomod}" && -f "${gomod}" ]] || die "could not download the go.mod of $1"
	printf '%s\n' "${gomod}"
}

# module_dir MODULE@VERSION — the (read-only) source folder of MODULE@VERSION.
module_dir() {
	local dir
	dir="$(module_field "$1" Dir)"
	[[ -n "${dir}" && -d "${dir}" ]] || die "could not download the module $1"
	printf '%s\n' "${dir}"
}

# as_root COMMAND... — runs COMMAND as root (directly, or through sudo).
as_root() {
	if [[ "$(id -u)" == 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root (or sudo) to run: $*"
	fi
}

HELM_SECRETS_APT_UPDATED=0

# ensure_apt COMMAND DEBIAN_PACKAGE — installs DEBIAN_PACKAGE with apt-get when
# COMMAND is not on PATH. Runs `apt-get update` once per process, first.
ensure_apt() {
	local cmd="$1" package="$2"
	if command -v "${cmd}" >/dev/null 2>&1; then
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 ||
		die "'${cmd}' is missing and apt-get is not available: install '${package}' yourself"
	if [[ "${HELM_SECRETS_APT_UPDATED}" != 1 ]]; then
		log "apt-get update (to install ${package})"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		HELM_SECRETS_APT_UPDATED=1
	fi
	log "apt-get install ${package} (for ${cmd})"
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${package}" >&2
	command -v "${cmd}" >/dev/null 2>&1 || die "installed ${package} but '${cmd}' is still missing"
}

# free_ports N — prints N distinct free TCP ports on 127.0.0.1, one a line.
# All N sockets are held open together (bind to port 0), so the ports differ.
# Uses perl, which is always present on Debian (perl-base is Essential).
free_ports() {
	perl -MIO::Socket::INET -e '
		my @s;
		for (1 .. $ARGV[0]) {
			my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
				Proto => "tcp", Listen => 1, ReuseAddr => 1) or die "bind: $!\n";
			push @s, $s;
		}
		print $_->sockport, "\n" for @s;
	' "$1"
}

# port_free PORT — true when PORT can be bound on 127.0.0.1 right now.
port_free() {
	perl -MIO::Socket::INET -e '
		IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
			Proto => "tcp", Listen => 1, ReuseAddr => 1) or exit 1;
	' "$1"
}
