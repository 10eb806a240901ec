#!/bin/sh
# Install (and update) hook of every helm-secrets plugin: the Helm 3 plugin
# (plugin.yaml) and the three Helm 4 plugins (plugins/*/plugin.yaml, and the
# signed packages made from them). Puts three binaries in
# $HELM_PLUGIN_DIR/bin: helm-secrets (the CLI and full downloader),
# helm-secrets-wrapper (the lean wrapper `helm secrets` runs, which hands
# what it does not run itself to helm-secrets) and helm-secrets-getter (the
# lean downloader Helm runs per secrets:// file), and, where the source has
# it, helm-secrets-vals (the vals backend, which helm-secrets starts only
# for ref+ expressions), from the first of:
#   1. HELM_SECRETS_BINARY, a path to a built helm-secrets (copied), with
#      HELM_SECRETS_GETTER_BINARY or the helm-secrets-getter next to it and
#      the helm-secrets-wrapper next to it (else a copy of helm-secrets
#      serves as either: it behaves the same, only slower to start);
#   2. binaries already there: bin/helm-secrets of this version (the
#      per-platform release archives) or bin/OS-ARCH/ (the multi-platform
#      archive, whose manifest picks them);
#   3. the release archive helm-secrets-OS-ARCH.tar.gz for this version,
#      downloaded from HELM_SECRETS_RELEASE_URL (default: the project's
#      GitHub release of this version; a directory path or file:// URL for
#      air-gapped sites; "off" skips this step) and checked against
#      SHA256SUMS BEFORE anything is extracted. The SHA256SUMS inside the
#      plugin directory wins (the signed Helm 4 packages carry one, so their
#      signature covers the binaries); else it is downloaded from the same
#      place. A mismatch stops the install: no fallback. A plain http://
#      source's SHA256SUMS proves nothing (whoever can change the archive in
#      transit changes it too): over http the install needs the plugin's own
#      SHA256SUMS or HELM_SECRETS_RELEASE_SHA256, the expected SHA-256 of
#      the archive or of SHA256SUMS, from a source the operator trusts.
#      HELM_SECRETS_RELEASE_SHA256 is checked whatever the source;
#   4. `go build` from the source tree the plugin directory belongs to, when
#      Go is installed (installs from a git URL or a checkout);
# else it fails and says what to do. It runs nothing it has not verified
# (the only binary it starts is one it put there itself, for --version).
set -eu

say() { printf 'helm-secrets: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

plugin_dir="${HELM_PLUGIN_DIR:-$(dirname "$0")/..}"
plugin_dir="$(cd -P "$plugin_dir" && pwd)"
bin="$plugin_dir/bin/helm-secrets"
getter="$plugin_dir/bin/helm-secrets-getter"
wrapper="$plugin_dir/bin/helm-secrets-wrapper"
vals="$plugin_dir/bin/helm-secrets-vals"
exe=""

# put SRC DST: copy atomically, executable.
put() {
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2.tmp"
    chmod 0755 "$2.tmp"
    mv -f "$2.tmp" "$2"
}

# The version this plugin directory is: its manifest's version.
version="$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([0-9][0-9A-Za-z.+-]*\)"\{0,1\}[[:space:]]*$/\1/p' "$plugin_dir/plugin.yaml" | head -n 1)"
[ -n "$version" ] || die "cannot read the version from $plugin_dir/plugin.yaml"

case "$(uname -s)" in
Linux) os=linux ;;
Darwin) os=darwin ;;
MINGW* | MSYS* | CYGWIN*) os=windows exe=.exe ;;
*) os="$(uname -s | tr '[:upper:]' '[:lower:]')" ;;
esac
case "$(uname -m)" in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) arch="$(uname -m)" ;;
esac
bin="$bin$exe"
getter="$getter$exe"
wrapper="$wrapper$exe"
vals="$vals$exe"

# 1. An explicit binary.
if [ -n "${HELM_SECRETS_BINARY:-}" ]; then
    put "$HELM_SECRETS_BINARY" "$bin"
    g="${HELM_SECRETS_GETTER_BINARY:-$(dirname "$HELM_SECRETS_BINARY")/helm-secrets-getter$exe}"
    if [ -f "$g" ]; then put "$g" "$getter"; else put "$HELM_SECRETS_BINARY" "$getter"; fi
    w="$(dirname "$HELM_SECRETS_BINARY")/helm-secrets-wrapper$exe"
    if [ -f "$w" ]; then put "$w" "$wrapper"; else put "$HELM_SECRETS_BINARY" "$wrapper"; fi
    v="$(dirname "$HELM_SECRETS_BINARY")/helm-secrets-vals$exe"
    if [ -f "$v" ]; then put "$v" "$vals"; fi
    say "installed $HELM_SECRETS_BINARY"
    exit 0
fi

# 2. Bundled binaries.
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null || true)" = "$version" ]; then
    [ -x "$getter" ] || put "$bin" "$getter"
    [ -x "$wrapper" ] || put "$bin" "$wrapper"
    say "using the bundled binary $bin ($version)"
    exit 0
fi
if [ -x "$plugin_dir/bin/$os-$arch/helm-secrets$exe" ]; then
    say "using the bundled binaries in $plugin_dir/bin/$os-$arch"
    exit 0
fi

# sha256 FILE: its SHA-256 in hex.
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r "$1" | cut -d' ' -f1
    else
        die "need sha256sum, shasum or openssl to verify the download"
    fi
}

# fetch URL FILE: download (curl or wget), or copy a local path / file:// URL.
fetch() {
    case "$1" in
    file://*) cp "${1#file://}" "$2" ;;
    /*) cp "$1" "$2" ;;
    *)
        if command -v curl >/dev/null 2>&1; then
            # An https source never redirects to plain http.
            case "$1" in
            [Hh][Tt][Tt][Pp][Ss]://*) curl -fsSL --proto =https --proto-redir =https --connect-timeout 20 --retry 2 -o "$2" "$1" ;;
            *) curl -fsSL --connect-timeout 20 --retry 2 -o "$2" "$1" ;;
            esac
        elif command -v wget >/dev/null 2>&1; then
            wget -q -T 20 -O "$2" "$1"
        else
            say "neither curl nor wget is installed"
            return 1
        fi
        ;;
    esac
}

# 3. The release archive, verified.
base="${HELM_SECRETS_RELEASE_URL:-https://github.com/helm-secrets/helm-secrets/releases/download/v$version}"
base="${base%/}"
archive="helm-secrets-$os-$arch.tar.gz"
download_error=""
# HELM_SECRETS_RELEASE_SHA256: the operator's pin, of the archive or of
# SHA256SUMS (64 hex digits, either case).
pin="$(printf '%s' "${HELM_SECRETS_RELEASE_SHA256:-}" | tr 'A-F' 'a-f')"
case "$pin" in
"") ;;
*[!0-9a-f]*) die "HELM_SECRETS_RELEASE_SHA256 must be a SHA-256 in hex (64 characters)" ;;
*) [ "${#pin}" -eq 64 ] || die "HELM_SECRETS_RELEASE_SHA256 must be a SHA-256 in hex (64 characters)" ;;
esac
plain_http=false
case "$base" in
[Hh][Tt][Tt][Pp]://*) plain_http=true ;;
esac
if [ "$base" != off ] && [ "$plain_http" = true ] && [ ! -f "$plugin_dir/SHA256SUMS" ] && [ -z "$pin" ]; then
    die "refusing to install from $base over plain http: its SHA256SUMS comes over the same unauthenticated connection as the archive, so it proves nothing. Use an https:// URL or a directory, or set HELM_SECRETS_RELEASE_SHA256 to the SHA-256 of $archive or of its SHA256SUMS, taken from a source you trust, then reinstall"
fi
if [ "$base" != off ]; then
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-install.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    trap 'rm -rf "$tmp"; exit 1' INT TERM
    sums="$plugin_dir/SHA256SUMS"
    sums_from="$sums (inside the plugin)"
    if [ ! -f "$sums" ]; then
        sums="$tmp/SHA256SUMS"
        sums_from="$base/SHA256SUMS"
        fetch "$base/SHA256SUMS" "$sums" || download_error="could not download $base/SHA256SUMS"
    fi
    if [ -z "$download_error" ]; then
        say "downloading $base/$archive"
        fetch "$base/$archive" "$tmp/$archive" || download_error="could not download $base/$archive"
    fi
    if [ -z "$download_error" ]; then
        want="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$sums")"
        [ -n "$want" ] || die "$sums_from has no checksum for $archive: refusing to install it"
        got="$(sha256 "$tmp/$archive")"
        [ "$got" = "$want" ] ||
            die "checksum mismatch for $archive: SHA-256 $got, $sums_from says $want: refusing to install it (a corrupt or tampered download)"
        if [ -n "$pin" ]; then
            sums_got="$(sha256 "$sums")"
            [ "$got" = "$pin" ] || [ "$sums_got" = "$pin" ] ||
                die "HELM_SECRETS_RELEASE_SHA256 is $pin, but $archive has SHA-256 $got and $sums_from $sums_got: refusing to install it (a tampered download, or the pin of another version)"
            sums_from="$sums_from, pinned by HELM_SECRETS_RELEASE_SHA256"
        fi
        mkdir "$tmp/x"
        tar -xzf "$tmp/$archive" -C "$tmp/x" "bin/helm-secrets$exe" "bin/helm-secrets-getter$exe" ||
            die "$archive (checksum verified) does not hold bin/helm-secrets$exe and bin/helm-secrets-getter$exe"
        put "$tmp/x/bin/helm-secrets$exe" "$bin"
        put "$tmp/x/bin/helm-secrets-getter$exe" "$getter"
        # The lean wrapper, in the archives that ship it (else the full
        # binary serves).
        if tar -xzf "$tmp/$archive" -C "$tmp/x" "bin/helm-secrets-wrapper$exe" 2>/dev/null; then
            put "$tmp/x/bin/helm-secrets-wrapper$exe" "$wrapper"
        else
            put "$tmp/x/bin/helm-secrets$exe" "$wrapper"
        fi
        # The vals backend's binary, in the archives that ship it.
        if tar -xzf "$tmp/$archive" -C "$tmp/x" "bin/helm-secrets-vals$exe" 2>/dev/null; then
            put "$tmp/x/bin/helm-secrets-vals$exe" "$vals"
        fi
        say "installed helm-secrets $version ($os/$arch) from $base/$archive, SHA-256 verified against $sums_from"
        exit 0
    fi
    say "$download_error"
fi

# 4. Build from source.
src="$plugin_dir"
while [ ! -f "$src/go.mod" ] && [ "$src" != "/" ]; do
    src=$(dirname "$src")
done
if [ -f "$src/go.mod" ] && command -v go >/dev/null 2>&1; then
    say "building from source in $src"
    (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin" ./cmd/helm-secrets &&
        CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$getter" ./cmd/helm-secrets-getter &&
        CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$wrapper" ./cmd/helm-secrets-wrapper &&
        CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$vals" ./cmd/helm-secrets-vals)
    exit 0
fi

die "no helm-secrets binary for $os/$arch in $plugin_dir/bin${download_error:+ ($download_error)}. Do one of:
  - make the release reachable, or set HELM_SECRETS_RELEASE_URL to a mirror (URL or directory) holding $archive and SHA256SUMS, then reinstall;
  - install the release archive itself: helm plugin install $base/$archive;
  - set HELM_SECRETS_BINARY to a built helm-secrets binary, then reinstall;
  - install Go (1.26 or later) so this hook can build from source, then reinstall."
