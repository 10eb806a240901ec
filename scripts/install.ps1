# Install hook of the helm-secrets plugins on Windows: same order as
# install.sh, for bin\helm-secrets.exe and the lean bin\helm-secrets-getter.exe
# (a copy of helm-secrets.exe when no lean getter is at hand).
$ErrorActionPreference = "Stop"
$pluginDir = if ($env:HELM_PLUGIN_DIR) { $env:HELM_PLUGIN_DIR } else { Split-Path -Parent $PSScriptRoot }
$bin = Join-Path $pluginDir "bin\helm-secrets.exe"
$getter = Join-Path $pluginDir "bin\helm-secrets-getter.exe"
New-Item -ItemType Directory -Force -Path (Join-Path $pluginDir "bin") | Out-Null
if ($env:HELM_SECRETS_BINARY) {
    Copy-Item -Force $env:HELM_SECRETS_BINARY $bin
    $g = if ($env:HELM_SECRETS_GETTER_BINARY) { $env:HELM_SECRETS_GETTER_BINARY } else { Join-Path (Split-Path -Parent $env:HELM_SECRETS_BINARY) "helm-secrets-getter.exe" }
    if (Test-Path $g) { Copy-Item -Force $g $getter } else { Copy-Item -Force $env:HELM_SECRETS_BINARY $getter }
    exit 0
}
if (Test-Path $bin) {
    if (-not (Test-Path $getter)) { Copy-Item -Force $bin $getter }
    exit 0
}
$src = $pluginDir
while (-not (Test-Path (Join-Path $src "go.mod"))) {
    $parent = Split-Path -Parent $src
    if (-not $parent -or $parent -eq $src) { break }
    $src = $parent
}
if ((Test-Path (Join-Path $src "go.mod")) -and (Get-Command go -ErrorAction SilentlyContinue)) {
    Push-Location $src
    try {
        go build -trimpath -o $bin ./cmd/helm-secrets
        go build -trimpath -o $getter ./cmd/helm-secrets-getter
    } finally { Pop-Location }
    exit 0
}
Write-Error "helm-secrets: no binary: set HELM_SECRETS_BINARY or install Go"
exit 1
