# Install hook of the secrets-getter plugin on Windows: runs the helm-secrets
# hook (scripts\install.ps1 two levels up) for this plugin directory.
$ErrorActionPreference = "Stop"
$pluginDir = if ($env:HELM_PLUGIN_DIR) { $env:HELM_PLUGIN_DIR } else { Split-Path -Parent $PSScriptRoot }
$pluginDir = (Get-Item $pluginDir).FullName
$env:HELM_PLUGIN_DIR = $pluginDir
$rootHook = Join-Path $pluginDir "..\..\scripts\install.ps1"
if (Test-Path $rootHook) { & $rootHook; exit $LASTEXITCODE }
$bin = Join-Path $pluginDir "bin\helm-secrets.exe"
New-Item -ItemType Directory -Force -Path (Join-Path $pluginDir "bin") | Out-Null
if ($env:HELM_SECRETS_BINARY) { Copy-Item -Force $env:HELM_SECRETS_BINARY $bin; exit 0 }
if (Test-Path $bin) { exit 0 }
Write-Error "helm-secrets: no binary: set HELM_SECRETS_BINARY or install from a release"
exit 1
