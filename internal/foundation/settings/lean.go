package settings

// Lean says, for one value of a variable, whether a lean binary may
// handle the run itself: true when the full binary, given the same value,
// would produce exactly what the lean path produces for a case the lean
// path handles.
type Lean func(value string) bool

// Var is one variable: its name and its lean-path policy for the lean
// getter (Getter) and the lean wrapper (Wrapper).
type Var struct {
	Name            string
	Getter, Wrapper Lean
}

func unset(v string) bool  { return v == "" }
func off(v string) bool    { return v == "" || v == "false" || v == "0" }
func anyValue(string) bool { return true }

// Vars are every HELM_SECRETS_* variable the full binary reads, with
// their lean-path policies. TestVarsComplete keeps it complete.
var Vars = []Var{
	{EnvBackend, sopsBackend, sopsBackend},
	{EnvAllowedBackends, unset, unset},
	{EnvBackendArgs, unset, unset},
	{EnvLoadGPGKeys, noGPGKeys, noGPGKeys},
	{EnvDebug, off, off},
	{EnvDebugPanics, unset, unset},
	{EnvTestMode, unset, unset},
	// Applied by the lean paths themselves (strict MAC, path policy, the
	// getter's audit event):
	{EnvStrict, anyValue, anyValue},
	{EnvAuditLog, anyValue, unset}, // the wrapper's events are the full binary's
	{EnvValuesAllowSymlinks, anyValue, anyValue},
	{EnvValuesAllowAbsolutePath, anyValue, anyValue},
	{EnvValuesAllowPathTraversal, anyValue, anyValue},
	// Only for missing files, key imports, URLs and Vault keys, which are
	// handed off:
	{EnvIgnoreMissingValues, anyValue, anyValue},
	{EnvKeyLocationPrefix, anyValue, anyValue},
	{EnvURLVariableExpansion, anyValue, anyValue},
	{EnvURLVariableExpansionAllowlist, anyValue, anyValue},
	{EnvAllowGPGImport, anyValue, anyValue},
	{EnvAllowGPGImportKubernetes, anyValue, anyValue},
	{EnvAllowAgeImport, anyValue, anyValue},
	{EnvAllowAgeImportKubernetes, anyValue, anyValue},
	{EnvVaultAllowlist, anyValue, anyValue},
	{EnvAgePluginAllowlist, anyValue, anyValue},
	// Only for the vals backend (vals! sources and HELM_SECRETS_BACKEND=vals
	// are handed off):
	{EnvValsProviders, anyValue, anyValue},
	{EnvValsBinary, anyValue, anyValue},
	{EnvValsEnvsubstAllow, anyValue, anyValue},
	// Set by the wrapper for the Helm 4 post-renderer:
	{EnvPostRendererLog, anyValue, anyValue},
	{EnvRedactSocket, anyValue, anyValue},
	{EnvPlacementSocket, anyValue, anyValue},
	// Messages (applied by the lean wrapper itself) and the helm binary
	// (run by the lean wrapper itself):
	{EnvQuiet, anyValue, anyValue},
	{EnvHelmPath, anyValue, anyValue},
	// The full wrapper's post-renderer and redaction:
	{EnvEvaluateTemplates, anyValue, off},
	{EnvEvaluateTemplatesDecodeSecrets, anyValue, anyValue},
	{EnvRedact, anyValue, func(v string) bool { return v == "" || v == "false" }},
	// The full wrapper's placement check of helm's output:
	{EnvCheckPlacement, anyValue, func(v string) bool { return v == "" || v == "false" || v == "off" }},
	// Accepted and without effect (nothing decrypted is written), or
	// read only by `clean`:
	{EnvDecryptSecretsInTmpDir, anyValue, anyValue},
	{EnvDecPrefix, anyValue, anyValue},
	{EnvDecSuffix, anyValue, anyValue},
	// Reported as ignored by both wrappers alike (Settings.Notices):
	{EnvSopsPath, anyValue, anyValue},
	// Set by us for custom backend scripts, never read:
	{EnvScriptDir, anyValue, anyValue},
}

func sopsBackend(v string) bool { return v == "" || v == "sops" }
func noGPGKeys(v string) bool   { return v == "" || v == "false" }
