# Install (and update) hook of the helm-secrets plugins on Windows: the same
# steps as install.sh, for bin\helm-secrets.exe, the lean
# bin\helm-secrets-wrapper.exe and bin\helm-secrets-getter.exe and, where
# the source has it,
# bin\helm-secrets-vals.exe (the vals backend):
#   1. HELM_SECRETS_BINARY (copied; HELM_SECRETS_GETTER_BINARY or the
#      helm-secrets-getter.exe and helm-secrets-wrapper.exe next to it, else
#      copies of helm-secrets.exe);
#   2. binaries already there (bin\helm-secrets.exe of this version, or
#      bin\windows-ARCH\ of the multi-platform archive, copied into bin\ so
#      that the downloader command bin/helm-secrets-getter finds the .exe);
#   3. helm-secrets-windows-ARCH.tar.gz from HELM_SECRETS_RELEASE_URL
#      (default: the project's GitHub release of this version; a directory
#      for air-gapped sites; "off" skips it), its SHA-256 checked against
#      SHA256SUMS (the plugin's own, else the release's) before extracting;
#      over plain http only with the plugin's own SHA256SUMS or
#      HELM_SECRETS_RELEASE_SHA256 (the SHA-256 of the archive or of
#      SHA256SUMS), which is checked whatever the source;
#   4. go build from the source tree, when Go is installed;
# else it fails and says what to do.
$ErrorActionPreference = "Stop"
function Fail($msg) { [Console]::Error.WriteLine("helm-secrets: $msg"); exit 1 }
function Say($msg) { [Console]::Error.WriteLine("helm-secrets: $msg") }

$pluginDir = if ($env:HELM_PLUGIN_DIR) { $env:HELM_PLUGIN_DIR } else { Split-Path -Parent $PSScriptRoot }
$pluginDir = (Get-Item $pluginDir).FullName
$binDir = Join-Path $pluginDir "bin"
$bin = Join-Path $binDir "helm-secrets.exe"
$getter = Join-Path $binDir "helm-secrets-getter.exe"
$wrapper = Join-Path $binDir "helm-secrets-wrapper.exe"
$vals = Join-Path $binDir "helm-secrets-vals.exe"
$arch = if ($env:PROCESSOR_ARCHITECTURE -eq "ARM64") { "arm64" } else { "amd64" }
$version = (Select-String -Path (Join-Path $pluginDir "plugin.yaml") -Pattern '^version:\s*"?([0-9][0-9A-Za-z.+-]*)"?\s*$' | Select-Object -First 1).Matches.Groups[1].Value
if (-not $version) { Fail "cannot read the version from $pluginDir\plugin.yaml" }
New-Item -ItemType Directory -Force -Path $binDir | Out-Null

# 1. An explicit binary.
if ($env:HELM_SECRETS_BINARY) {
    Copy-Item -Force $env:HELM_SECRETS_BINARY $bin
    $g = if ($env:HELM_SECRETS_GETTER_BINARY) { $env:HELM_SECRETS_GETTER_BINARY } else { Join-Path (Split-Path -Parent $env:HELM_SECRETS_BINARY) "helm-secrets-getter.exe" }
    if (Test-Path $g) { Copy-Item -Force $g $getter } else { Copy-Item -Force $env:HELM_SECRETS_BINARY $getter }
    $w = Join-Path (Split-Path -Parent $env:HELM_SECRETS_BINARY) "helm-secrets-wrapper.exe"
    if (Test-Path $w) { Copy-Item -Force $w $wrapper } else { Copy-Item -Force $env:HELM_SECRETS_BINARY $wrapper }
    $v = Join-Path (Split-Path -Parent $env:HELM_SECRETS_BINARY) "helm-secrets-vals.exe"
    if (Test-Path $v) { Copy-Item -Force $v $vals }
    Say "installed $($env:HELM_SECRETS_BINARY)"
    exit 0
}

# 2. Bundled binaries.
if ((Test-Path $bin) -and ((& $bin --version 2>$null) -eq $version)) {
    if (-not (Test-Path $getter)) { Copy-Item -Force $bin $getter }
    if (-not (Test-Path $wrapper)) { Copy-Item -Force $bin $wrapper }
    Say "using the bundled binary $bin ($version)"
    exit 0
}
$multi = Join-Path $binDir "windows-$arch"
if (Test-Path (Join-Path $multi "helm-secrets.exe")) {
    Copy-Item -Force (Join-Path $multi "helm-secrets.exe") $bin
    Copy-Item -Force (Join-Path $multi "helm-secrets-getter.exe") $getter
    $mw = Join-Path $multi "helm-secrets-wrapper.exe"
    if (Test-Path $mw) { Copy-Item -Force $mw $wrapper } else { Copy-Item -Force (Join-Path $multi "helm-secrets.exe") $wrapper }
    if (Test-Path (Join-Path $multi "helm-secrets-vals.exe")) { Copy-Item -Force (Join-Path $multi "helm-secrets-vals.exe") $vals }
    Say "using the bundled binaries in $multi"
    exit 0
}

# 3. The release archive, verified before it is extracted.
$base = if ($env:HELM_SECRETS_RELEASE_URL) { $env:HELM_SECRETS_RELEASE_URL.TrimEnd("/") } else { "https://github.com/helm-secrets/helm-secrets/releases/download/v$version" }
$archive = "helm-secrets-windows-$arch.tar.gz"
$downloadError = $null
# HELM_SECRETS_RELEASE_SHA256: the operator's pin, of the archive or of
# SHA256SUMS. A plain http:// source's SHA256SUMS proves nothing (it comes
# over the same unauthenticated connection as the archive): over http the
# install needs the plugin's own SHA256SUMS or the pin.
$pin = "$env:HELM_SECRETS_RELEASE_SHA256".ToLower()
if ($pin -and $pin -notmatch '^[0-9a-f]{64}$') { Fail "HELM_SECRETS_RELEASE_SHA256 must be a SHA-256 in hex (64 characters)" }
if ($base -ne "off" -and $base -match '^http://' -and -not (Test-Path (Join-Path $pluginDir "SHA256SUMS")) -and -not $pin) {
    Fail "refusing to install from $base over plain http: its SHA256SUMS comes over the same unauthenticated connection as the archive, so it proves nothing. Use an https:// URL or a directory, or set HELM_SECRETS_RELEASE_SHA256 to the SHA-256 of $archive or of its SHA256SUMS, taken from a source you trust, then reinstall"
}
function Fetch($url, $dst) {
    if ($url -match '^file://') { Copy-Item -Force ($url -replace '^file://', '') $dst }
    elseif ($url -match '^(https?)://') { Invoke-WebRequest -UseBasicParsing -Uri $url -OutFile $dst }
    else { Copy-Item -Force $url $dst }
}
if ($base -ne "off") {
    $tmp = Join-Path ([IO.Path]::GetTempPath()) ("helm-secrets-install-" + [Guid]::NewGuid())
    New-Item -ItemType Directory -Path $tmp | Out-Null
    try {
        $sums = Join-Path $pluginDir "SHA256SUMS"
        $sumsFrom = "$sums (inside the plugin)"
        if (-not (Test-Path $sums)) {
            $sums = Join-Path $tmp "SHA256SUMS"
            $sumsFrom = "$base/SHA256SUMS"
            try { Fetch "$base/SHA256SUMS" $sums } catch { $downloadError = "could not download $base/SHA256SUMS: $_" }
        }
        if (-not $downloadError) {
            Say "downloading $base/$archive"
            try { Fetch "$base/$archive" (Join-Path $tmp $archive) } catch { $downloadError = "could not download $base/${archive}: $_" }
        }
        if (-not $downloadError) {
            $want = $null
            foreach ($line in Get-Content $sums) {
                $f = $line -split '\s+', 2
                if ($f.Count -eq 2 -and ($f[1] -eq $archive -or $f[1] -eq "*$archive")) { $want = $f[0].ToLower(); break }
            }
            if (-not $want) { Fail "$sumsFrom has no checksum for ${archive}: refusing to install it" }
            $got = (Get-FileHash -Algorithm SHA256 (Join-Path $tmp $archive)).Hash.ToLower()
            if ($got -ne $want) { Fail "checksum mismatch for ${archive}: SHA-256 $got, $sumsFrom says ${want}: refusing to install it (a corrupt or tampered download)" }
            if ($pin) {
                $sumsGot = (Get-FileHash -Algorithm SHA256 $sums).Hash.ToLower()
                if ($got -ne $pin -and $sumsGot -ne $pin) { Fail "HELM_SECRETS_RELEASE_SHA256 is $pin, but $archive has SHA-256 $got and $sumsFrom ${sumsGot}: refusing to install it (a tampered download, or the pin of another version)" }
                $sumsFrom = "$sumsFrom, pinned by HELM_SECRETS_RELEASE_SHA256"
            }
            $x = Join-Path $tmp "x"
            New-Item -ItemType Directory -Path $x | Out-Null
            tar -xzf (Join-Path $tmp $archive) -C $x bin/helm-secrets.exe bin/helm-secrets-getter.exe
            if ($LASTEXITCODE -ne 0) { Fail "$archive (checksum verified) does not hold bin/helm-secrets.exe and bin/helm-secrets-getter.exe" }
            Copy-Item -Force (Join-Path $x "bin\helm-secrets.exe") $bin
            Copy-Item -Force (Join-Path $x "bin\helm-secrets-getter.exe") $getter
            tar -xzf (Join-Path $tmp $archive) -C $x bin/helm-secrets-wrapper.exe 2>$null
            if ($LASTEXITCODE -eq 0) { Copy-Item -Force (Join-Path $x "bin\helm-secrets-wrapper.exe") $wrapper } else { Copy-Item -Force (Join-Path $x "bin\helm-secrets.exe") $wrapper }
            tar -xzf (Join-Path $tmp $archive) -C $x bin/helm-secrets-vals.exe 2>$null
            if ($LASTEXITCODE -eq 0) { Copy-Item -Force (Join-Path $x "bin\helm-secrets-vals.exe") $vals }
            Say "installed helm-secrets $version (windows/$arch) from $base/$archive, SHA-256 verified against $sumsFrom"
            exit 0
        }
        Say $downloadError
    } finally {
        Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue
    }
}

# 4. Build from source.
$src = $pluginDir
while (-not (Test-Path (Join-Path $src "go.mod"))) {
    $parent = Split-Path -Parent $src
    if (-not $parent -or $parent -eq $src) { break }
    $src = $parent
}
if ((Test-Path (Join-Path $src "go.mod")) -and (Get-Command go -ErrorAction SilentlyContinue)) {
    Say "building from source in $src"
    Push-Location $src
    try {
        $env:CGO_ENABLED = "0"
        go build -trimpath -ldflags "-s -w" -o $bin ./cmd/helm-secrets
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        go build -trimpath -ldflags "-s -w" -o $getter ./cmd/helm-secrets-getter
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        go build -trimpath -ldflags "-s -w" -o $wrapper ./cmd/helm-secrets-wrapper
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        go build -trimpath -ldflags "-s -w" -o $vals ./cmd/helm-secrets-vals
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    } finally { Pop-Location }
    exit 0
}

$why = if ($downloadError) { " ($downloadError)" } else { "" }
Fail @"
no helm-secrets binary for windows/$arch in $binDir$why. Do one of:
  - make the release reachable, or set HELM_SECRETS_RELEASE_URL to a mirror (URL or directory) holding $archive and SHA256SUMS, then reinstall;
  - set HELM_SECRETS_BINARY to a built helm-secrets.exe, then reinstall;
  - install Go (1.26 or later) so this hook can build from source, then reinstall.
"@
