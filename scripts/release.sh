#!/usr/bin/env bash
# Builds the release files of helm-secrets VERSION into OUTDIR (default
# dist/VERSION), offline (the Go module cache must hold the modules) and
# reproducibly: the same source, Go toolchain and SOURCE_DATE_EPOCH give
# byte-identical files, except the .prov signatures (an OpenPGP signature
# holds its creation time).
#
#   scripts/release.sh VERSION [OUTDIR]
#
# OUTDIR gets (docs/install.md describes each):
#   helm-secrets-OS-ARCH.tar.gz   the plugin with the binaries of one platform
#                                 (linux, darwin, windows x amd64, arm64)
#   helm-secrets.tar.gz           the plugin with the binaries of every
#                                 platform (its manifests pick them by
#                                 os/arch) in a top-level helm-secrets/
#                                 folder, as the shell plugin's file of this
#                                 name: its manual install and Argo CD
#                                 recipes unpack it into the plugins folder
#   secrets-VERSION.tgz, secrets-getter-VERSION.tgz,
#   secrets-post-renderer-VERSION.tgz (+ .prov)
#                                 the Helm 4 plugin packages (helm plugin
#                                 package --sign); they carry SHA256SUMS of the
#                                 archives, so their install hook verifies the
#                                 binaries it downloads against signed checksums.
#                                 Merely unpacked (no install hook), their
#                                 bin/ holds stubs that fail with the fix
#                                 instead of binaries; secrets-VERSION.tgz
#                                 also holds the helm shim (scripts/wrapper)
#   SHA256SUMS                    sha256sum lines of every file above but .prov
#
# VERSION must equal internal/foundation/version/VERSION (the one version; bump it
# there first). Environment:
#   HELM_SECRETS_SIGNING_KEYRING  a GnuPG secret keyring file (gpg
#                                 --export-secret-keys) to sign with; without it
#                                 the Helm 4 packages have no .prov (warned)
#   HELM_SECRETS_SIGNING_KEY      the key's name in it (helm --key)
#   HELM_SECRETS_SIGNING_PASSPHRASE_FILE  its passphrase, if it has one
#   HELM_SECRETS_RELEASE_PLATFORMS  "OS/ARCH ..." to build (default: all six;
#                                 tests build one)
#   HELM4_BIN                     the helm 4 binary that packages and signs
#                                 (default: helm on PATH, must be v4)
#   SOURCE_DATE_EPOCH             file times in the archives (default: the
#                                 commit time of HEAD)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

[[ $# -ge 1 && $# -le 2 ]] || die "usage: scripts/release.sh VERSION [OUTDIR]"
version="${1#v}"
want="$(tr -d '[:space:]' <internal/foundation/version/VERSION)"
[[ "${version}" == "${want}" ]] ||
	die "VERSION ${version} is not internal/foundation/version/VERSION (${want}): change that file (and the manifests) first"
out="${2:-dist/${version}}"
platforms="${HELM_SECRETS_RELEASE_PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}"
helm4="${HELM4_BIN:-$(command -v helm || true)}"
[[ -x "${helm4}" ]] || die "HELM4_BIN: no helm 4 binary (scripts/test-deps.sh installs one)"
[[ "$("${helm4}" version --template '{{.Version}}')" == v4.* ]] || die "${helm4} is not helm 4"
if [[ -z "${SOURCE_DATE_EPOCH:-}" ]]; then
	SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null)" ||
		die "set SOURCE_DATE_EPOCH (no git history to take it from)"
fi
export SOURCE_DATE_EPOCH

mkdir -p "${out}"
out="$(cd "${out}" && pwd)"
# Release files of an earlier run would end up in SHA256SUMS.
rm -f "${out}"/helm-secrets*.tar.gz "${out}"/secrets*-*.tgz "${out}"/secrets*-*.tgz.prov "${out}/SHA256SUMS"
work="$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-release.XXXXXX")"
trap 'rm -rf "${work}"' EXIT

# normalize DIR: fixed modes and times for everything under DIR.
normalize() {
	find "$1" -type d -exec chmod 0755 {} +
	find "$1" -type f -exec chmod 0644 {} +
	find "$1" -type f \( -path '*/bin/*' -o -name '*.sh' -o -name plugin.complete -o -path '*/wrapper/helm' \) \
		-exec chmod 0755 {} +
	find "$1" -exec touch -h -d "@${SOURCE_DATE_EPOCH}" {} +
}

# targz DIR FILE: a reproducible .tar.gz of DIR's contents, plugin.yaml at
# the top (Helm 3 reads it there; Helm 4 also one level down): sorted
# entries, numeric owner 0, fixed times, no "./" entry (Helm 3 refuses to
# create an existing directory), gzip without name or time.
targz() {
	normalize "$1"
	local -a top
	mapfile -t top < <(cd "$1" && LC_ALL=C ls -A | LC_ALL=C sort)
	(cd "$1" && LC_ALL=C tar --sort=name --format=ustar --owner=0 --group=0 --numeric-owner \
		--mtime="@${SOURCE_DATE_EPOCH}" -cf - "${top[@]}") | gzip -n -9 >"$2"
}

# build OS ARCH DIR: the four binaries for one platform into DIR
# (helm-secrets-vals links vals and its provider SDKs, so that the others do
# not; helm-secrets-wrapper and helm-secrets-getter are the lean ones).
build() {
	local os="$1" arch="$2" dir="$3" exe="" cmd
	[[ "${os}" == windows ]] && exe=.exe
	mkdir -p "${dir}"
	for cmd in helm-secrets helm-secrets-wrapper helm-secrets-getter helm-secrets-vals; do
		log "go build ${cmd} ${os}/${arch}"
		CGO_ENABLED=0 GOOS="${os}" GOARCH="${arch}" GOFLAGS=-mod=readonly \
			go build -trimpath -buildvcs=false -ldflags "-s -w -buildid=" -o "${dir}/${cmd}${exe}" "./cmd/${cmd}"
	done
}

# common DIR: what every archive holds besides binaries and manifests.
common() {
	mkdir -p "$1/scripts/wrapper"
	cp plugin.complete "$1/"
	cp scripts/install.sh scripts/install.ps1 "$1/scripts/"
	cp scripts/wrapper/helm "$1/scripts/wrapper/"
	# The shell plugin's name for the shim; a copy, since Helm 3 cannot
	# extract a symlink from a plugin archive.
	cp scripts/wrapper/helm "$1/scripts/wrapper/helm.sh"
	backend_library "$1"
}

# backend_library DIR: the helper library custom backend scripts source
# from $SCRIPT_DIR (DIR/scripts), under both of the shell plugin's paths.
backend_library() {
	mkdir -p "$1/scripts/lib/backends" "$1/scripts/backends"
	cp scripts/lib/backends/_custom.sh "$1/scripts/lib/backends/"
	cp scripts/backends/_custom.sh "$1/scripts/backends/"
}

# v1_in_archive SRC DST BINDIR: a Helm 4 manifest for plugins/NAME inside an
# archive: binaries from ../../BINDIR (the archive's own; forward slashes,
# which Windows accepts too), no install hook.
v1_in_archive() {
	local src="$1" dst="$2" bindir="$3"
	mkdir -p "$(dirname "${dst}")"
	awk -v bindir="${bindir}" '
		/^  platformHooks:/ { skip = 1; next }
		skip && /^  [^ ]/ { skip = 0 }
		skip && /^[^ ]/ { skip = 0 }
		/^  # Helm 4 expands/ || /^  # args: PowerShell/ { next }
		skip { next }
		{
			gsub(/\$HELM_PLUGIN_DIR\\\\bin\\\\/, "$HELM_PLUGIN_DIR/../../" bindir "/")
			gsub(/\$HELM_PLUGIN_DIR\/bin\//, "$HELM_PLUGIN_DIR/../../" bindir "/")
			gsub(/"bin\//, "\"../../" bindir "/")
			print
		}' "${src}" >"${dst}"
}

# --- per-platform archives ------------------------------------------------
multi="${work}/multi/helm-secrets"
for p in ${platforms}; do
	os="${p%/*}" arch="${p#*/}"
	build "${os}" "${arch}" "${multi}/bin/${os}-${arch}"
	d="${work}/${os}-${arch}"
	mkdir -p "${d}/bin"
	cp "${multi}/bin/${os}-${arch}/"* "${d}/bin/"
	cp plugin.yaml "${d}/"
	for m in plugins/*/plugin.yaml; do
		v1_in_archive "${m}" "${d}/${m}" bin
	done
	common "${d}"
	targz "${d}" "${out}/helm-secrets-${os}-${arch}.tar.gz"
done

# --- the multi-platform archive ---------------------------------------------
# Its files sit in a top-level helm-secrets/ folder, as in the shell
# plugin's helm-secrets.tar.gz: `tar -C "$(helm env HELM_PLUGINS)" -xzf
# helm-secrets.tar.gz` installs it, and the Argo CD recipes copy
# helm-secrets/scripts/wrapper/helm.sh. (Helm 4 finds plugin.yaml one
# level down when installing it by URL; Helm 3 does not: there, use the
# per-platform archive.)
# platformCommand entries per os/arch (Helm 3 and 4 pick the exact match).
# Helm runs a legacy downloader command as is, on every platform: it is
# bin/helm-secrets-getter, a POSIX sh dispatcher to bin/OS-ARCH/; on
# Windows the install hook copies the .exe files into bin/, which Go's exec
# finds before the extensionless script.
# platform_commands INDENT BINDIR BINARY [ARGS]: one entry per platform.
platform_commands() {
	local p os arch exe
	for p in ${platforms}; do
		os="${p%/*}" arch="${p#*/}" exe=""
		[[ "${os}" == windows ]] && exe=.exe
		printf '%s- os: %s\n%s  arch: %s\n%s  command: "$HELM_PLUGIN_DIR/%s/%s-%s/%s%s"\n' \
			"$1" "${os}" "$1" "${arch}" "$1" "$2" "${os}" "${arch}" "$3" "${exe}"
		[[ -n "${4:-}" ]] && printf '%s  args: %s\n' "$1" "$4"
	done
	return 0
}
awk -v cmds="$(platform_commands '  ' bin helm-secrets-wrapper)" '
	/^platformCommand:/ { print; print cmds; skip = 1; next }
	skip && /^  / { next }
	{ skip = 0; print }' plugin.yaml >"${multi}/plugin.yaml"
cat >"${multi}/bin/helm-secrets-getter" <<'EOF'
#!/bin/sh
# The secrets:// downloader of the multi-platform helm-secrets archive:
# runs the lean getter built for this OS and architecture.
case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="$(uname -s | tr '[:upper:]' '[:lower:]')" ;; esac
case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
exec "$(dirname "$0")/$os-$arch/helm-secrets-getter" "$@"
EOF
for m in plugins/*/plugin.yaml; do
	name="$(basename "$(dirname "${m}")")"
	dst="${multi}/${m}"
	case "${name}" in
	helm-secrets-getter)
		v1_in_archive "${m}" "${dst}.tmp" bin
		awk -v cmds="$(platform_commands '        ' ../../bin helm-secrets-getter)" '
			/^      platformCommand:/ { print; print cmds; skip = 1; next }
			skip && /^        / { next }
			{ skip = 0; print }' "${dst}.tmp" | sed 's|"\$HELM_PLUGIN_DIR/\.\./\.\./bin/|"../../bin/|' >"${dst}"
		;;
	helm-secrets-post-renderer)
		v1_in_archive "${m}" "${dst}.tmp" bin
		awk -v cmds="$(platform_commands '    ' ../../bin helm-secrets '["post-renderer"]')" '
			/^  platformCommand:/ { print; print cmds; skip = 1; next }
			skip && /^    / { next }
			{ skip = 0; print }' "${dst}.tmp" >"${dst}"
		;;
	*)
		v1_in_archive "${m}" "${dst}.tmp" bin
		awk -v cmds="$(platform_commands '    ' ../../bin helm-secrets-wrapper)" '
			/^  platformCommand:/ { print; print cmds; skip = 1; next }
			skip && /^    / { next }
			{ skip = 0; print }' "${dst}.tmp" >"${dst}"
		;;
	esac
	rm -f "${dst}.tmp"
done
common "${multi}"
targz "$(dirname "${multi}")" "${out}/helm-secrets.tar.gz"

(cd "${out}" && LC_ALL=C sha256sum helm-secrets*.tar.gz | LC_ALL=C sort -k2) >"${work}/SHA256SUMS.archives"

# --- Helm 4 packages --------------------------------------------------------
sign_args=(--sign=false)
if [[ -n "${HELM_SECRETS_SIGNING_KEYRING:-}" ]]; then
	sign_args=(--sign --keyring "${HELM_SECRETS_SIGNING_KEYRING}")
	[[ -n "${HELM_SECRETS_SIGNING_KEY:-}" ]] && sign_args+=(--key "${HELM_SECRETS_SIGNING_KEY}")
	[[ -n "${HELM_SECRETS_SIGNING_PASSPHRASE_FILE:-}" ]] &&
		sign_args+=(--passphrase-file "${HELM_SECRETS_SIGNING_PASSPHRASE_FILE}")
else
	log "warning: HELM_SECRETS_SIGNING_KEYRING is not set: the Helm 4 packages get no .prov (helm 4 then needs --verify=false)"
fi
# unhooked_stubs DIR: bin/helm-secrets, bin/helm-secrets-wrapper and
# bin/helm-secrets-getter as stubs that fail closed, naming the fix: a
# package that is only unpacked (as the shell plugin's Argo CD recipe does)
# has no binaries, since the install hook that downloads them never ran.
# Without the stubs Helm would fail with a bare "no such file"; the hook
# replaces them (install.sh tries a bin/helm-secrets only with --version,
# which a stub fails).
unhooked_stubs() {
	mkdir -p "$1/bin"
	local b
	for b in helm-secrets helm-secrets-wrapper helm-secrets-getter; do
		cat >"$1/bin/${b}" <<'EOF'
#!/bin/sh
# A stub of a helm-secrets binary in a Helm 4 plugin package: the install
# hook (scripts/install.sh) replaces it with the verified binary. It runs
# only when the package was unpacked without that hook, and then stops:
# nothing is decrypted, and nothing encrypted reaches helm as plain values.
d="$(cd "$(dirname "$0")/.." 2>/dev/null && pwd)" || d="$(dirname "$0")/.."
echo "[helm-secrets] $d has no helm-secrets binaries: this Helm 4 plugin package was unpacked without its install hook, which downloads them. Nothing was decrypted. Fix: run $d/scripts/install.sh once after unpacking (it downloads and verifies the binaries; HELM_SECRETS_RELEASE_URL names a mirror), or install with 'helm plugin install', or unpack helm-secrets.tar.gz or helm-secrets-linux-ARCH.tar.gz, which hold the binaries (docs/argo-cd.md)." >&2
exit 1
EOF
	done
}

for m in plugins/*/plugin.yaml; do
	dir="$(dirname "${m}")"
	name="$(awk '/^name:/ { print $2; exit }' "${m}")"
	d="${work}/pkg/${name}"
	mkdir -p "${d}/scripts"
	cp "${m}" "${d}/plugin.yaml"
	[[ -e "${dir}/plugin.complete" ]] && cp -L "${dir}/plugin.complete" "${d}/"
	cp scripts/install.sh scripts/install.ps1 "${d}/scripts/"
	backend_library "${d}"
	cp "${work}/SHA256SUMS.archives" "${d}/SHA256SUMS"
	unhooked_stubs "${d}"
	# The shell plugin's secrets package holds the helm shim, which its
	# Argo CD recipe copies from secrets/scripts/wrapper/helm.sh.
	if [[ "${name}" == secrets ]]; then
		mkdir -p "${d}/scripts/wrapper"
		cp scripts/wrapper/helm "${d}/scripts/wrapper/"
		cp scripts/wrapper/helm "${d}/scripts/wrapper/helm.sh"
	fi
	normalize "${d}"
	rm -f "${out}/${name}-${version}.tgz" "${out}/${name}-${version}.tgz.prov"
	"${helm4}" plugin package "${d}" --destination "${out}" "${sign_args[@]}" >&2
	[[ -f "${out}/${name}-${version}.tgz" ]] || die "helm plugin package made no ${name}-${version}.tgz"
done

(cd "${out}" && LC_ALL=C sha256sum helm-secrets*.tar.gz ./*-"${version}".tgz | sed 's| \./| |' | LC_ALL=C sort -k2) >"${out}/SHA256SUMS"
log "release ${version} in ${out}:"
(cd "${out}" && ls -l >&2)
