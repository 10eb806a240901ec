package encrypt

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/keyservice"
)

// AzureKeyVaultOptions configure the Azure Key Vault client used for
// azure_keyvault master keys.
type AzureKeyVaultOptions struct {
	// Credential authenticates to Key Vault. nil means the environment's
	// credential, as the sops CLI finds it (azidentity's
	// DefaultAzureCredential: AZURE_TENANT_ID, AZURE_CLIENT_ID with
	// AZURE_CLIENT_SECRET or a certificate, workload identity, managed
	// identity, az login), created once per Engine with ClientOptions'
	// azcore options.
	Credential azcore.TokenCredential
	// ClientOptions are passed to the Key Vault client (transport,
	// retries, cloud); nil means the defaults.
	ClientOptions *azkeys.ClientOptions
}

// azureCredential is the engine's environment credential for Azure Key
// Vault, created on first use and shared by all requests of the engine:
// sops creates one per data key, each fetching its own token.
type azureCredential struct {
	mu   sync.Mutex
	cred azcore.TokenCredential
}

// get returns the shared credential; its token requests use the Key
// Vault client's options (transport, cloud) when there are any. A failed
// creation is not remembered: sops then makes its own attempt and reports
// its error.
func (a *azureCredential) get(o *AzureKeyVaultOptions) azcore.TokenCredential {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cred == nil {
		var opts *azidentity.DefaultAzureCredentialOptions
		if o != nil && o.ClientOptions != nil {
			opts = &azidentity.DefaultAzureCredentialOptions{ClientOptions: o.ClientOptions.ClientOptions}
		}
		if c, err := azidentity.NewDefaultAzureCredential(opts); err == nil {
			a.cred = c
		}
	}
	return a.cred
}

// azureKey is the sops master key for k with the engine's credential and
// client options.
func (s *keyServer) azureKey(k *keyservice.AzureKeyVaultKey) *azkv.MasterKey {
	mk := azkv.NewMasterKey(k.VaultUrl, k.Name, k.Version)
	var cred azcore.TokenCredential
	if s.azure != nil && s.azure.Credential != nil {
		cred = s.azure.Credential
	} else if s.azureEnv != nil {
		cred = s.azureEnv.get(s.azure)
	}
	if cred != nil {
		azkv.NewTokenCredential(cred).ApplyToMasterKey(mk)
	}
	if s.azure != nil && s.azure.ClientOptions != nil {
		azkv.NewClientOptions(s.azure.ClientOptions).ApplyToMasterKey(mk)
	}
	return mk
}

// azureEncrypt wraps a data key with an azure_keyvault master key.
func (s *keyServer) azureEncrypt(k *keyservice.AzureKeyVaultKey, dataKey []byte) ([]byte, error) {
	if err := s.azureAmbient(); err != nil {
		return nil, err
	}
	mk := s.azureKey(k)
	if err := mk.EncryptContext(s.ctx, dataKey); err != nil {
		return nil, s.azureHint("encrypt", k, err)
	}
	return mk.EncryptedDataKey(), nil
}

// azureDecrypt unwraps a data key with an azure_keyvault master key.
func (s *keyServer) azureDecrypt(k *keyservice.AzureKeyVaultKey, ciphertext []byte) ([]byte, error) {
	if err := s.azureAmbient(); err != nil {
		return nil, err
	}
	mk := s.azureKey(k)
	mk.EncryptedKey = string(ciphertext)
	out, err := mk.DecryptContext(s.ctx)
	if err != nil {
		return nil, s.azureHint("decrypt", k, err)
	}
	return out, nil
}

// azureAmbient refuses the environment's credential under
// Keys.NoEnvironment: only an injected AzureKeyVault.Credential is used.
func (s *keyServer) azureAmbient() error {
	if s.ageOnly && (s.azure == nil || s.azure.Credential == nil) {
		return errNoEnvironment("Azure Key Vault", "Keys.AzureKeyVault.Credential", "AZURE_* variables, workload and managed identity, az login")
	}
	return nil
}

// azureEnvCredentialVars are the variables of azidentity's environment and
// workload identity credentials.
var azureEnvCredentialVars = []string{"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_USERNAME"}

// azureError is a failed Key Vault request told in one line: the key's
// URL, what the service said (the AADSTS code and sentence, or Key
// Vault's status, code and first lines) and what to check, instead of the
// SDK's multi-line dump of the response. It unwraps to sops' error.
type azureError struct {
	msg string
	err error
}

func (e *azureError) Error() string { return e.msg }
func (e *azureError) Unwrap() error { return e.err }

// aadCode is Entra ID's error code and first sentence.
var aadCode = regexp.MustCompile(`AADSTS\d+: [^\n]{0,300}?\.(?:\s|$)`)

// challengeMismatch is azkeys' refusal of a challenge whose resource the
// vault URL's host is not under (no token is sent).
var challengeMismatch = regexp.MustCompile(`challenge resource "[^"]{0,200}" doesn't match the requested domain`)

// azureHint turns a failed Key Vault request into an azureError when the
// failure is recognised; others pass unchanged. The credential's secret is
// never part of a message: neither sops' nor azidentity's errors contain
// it (they quote the service's response, which does not).
func (s *keyServer) azureHint(op string, k *keyservice.AzureKeyVaultKey, err error) error {
	msg := err.Error()
	injected := s.azure != nil && s.azure.Credential != nil
	from := "AZURE_CLIENT_SECRET"
	if injected {
		from = "the credential"
	}
	said, hint := "", ""
	var re *azcore.ResponseError
	switch {
	case errors.As(err, &re):
		said = fmt.Sprintf("Key Vault answered %d %s", re.StatusCode, re.ErrorCode)
		if first := keyVaultMessage(re); first != "" {
			said += ": " + first
		}
		switch re.StatusCode {
		case http.StatusForbidden:
			hint = "Azure Key Vault refused the identity: grant it the key's encrypt and decrypt permissions, e.g. the Key Vault Crypto User role"
		case http.StatusNotFound:
			hint = "Azure Key Vault has no such key or version"
		case http.StatusUnauthorized:
			hint = "Azure Key Vault refused the token: check that AZURE_TENANT_ID is the vault's tenant"
		}
	case challengeMismatch.MatchString(msg):
		said = challengeMismatch.FindString(msg)
		hint = "the vault URL does not point at Azure Key Vault; no token was sent"
	case aadCode.MatchString(msg):
		said = "Entra ID: " + strings.TrimSpace(aadCode.FindString(msg))
		switch code := aadCode.FindString(msg); {
		case strings.HasPrefix(code, "AADSTS7000215:"), strings.HasPrefix(code, "AADSTS7000218:"):
			hint = "Entra ID refused the client secret from " + from
		case strings.HasPrefix(code, "AADSTS7000222:"):
			hint = "the client secret from " + from + " has expired; create a new one"
		case strings.HasPrefix(code, "AADSTS700016:"):
			hint = "Entra ID knows no such application: check AZURE_CLIENT_ID and AZURE_TENANT_ID"
		case strings.HasPrefix(code, "AADSTS500011:"):
			hint = "the vault asked for a token for a resource Entra ID does not know: the vault URL does not point at Azure Key Vault"
		case strings.HasPrefix(code, "AADSTS90002:"):
			hint = "Entra ID knows no such tenant: check AZURE_TENANT_ID"
		default:
			hint = "Entra ID refused the credential"
		}
	case !injected && !azureEnvCredentials() && strings.Contains(msg, "DefaultAzureCredential"):
		said = "no Azure credential found"
		if tried := credentialsTried(msg); tried != "" {
			said += " (" + tried + ")"
		}
		hint = "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH), use a workload or managed identity, or log in with az login"
	default:
		return err
	}
	url := k.VaultUrl + "/keys/" + k.Name + "/" + k.Version
	return &azureError{msg: fmt.Sprintf("failed to %s sops data key with Azure Key Vault key '%s': %s (%s)", op, url, said, hint), err: err}
}

// credentialLine is one credential's line in DefaultAzureCredential's
// error ("AzureCLICredential: Azure CLI not found on path").
var credentialLine = regexp.MustCompile(`(?m)^\s*([A-Za-z]+Credential)[: ]\s*(.*)$`)

// credentialsTried is the first line of each credential's reason in
// DefaultAzureCredential's error, joined with "; " and bounded: a user of
// az login whose session expired sees why.
func credentialsTried(msg string) string {
	var out []string
	for _, m := range credentialLine.FindAllStringSubmatch(msg, 8) {
		if m[1] == "DefaultAzureCredential" {
			continue
		}
		reason := strings.TrimSpace(m[2])
		if len(reason) > 160 {
			reason = reason[:160] + "…"
		}
		out = append(out, m[1]+": "+reason)
	}
	return strings.Join(out, "; ")
}

// keyVaultMessage is the first two lines of Key Vault's error message
// (for a refusal: the sentence and the caller), bounded.
func keyVaultMessage(re *azcore.ResponseError) string {
	if re.RawResponse == nil {
		return ""
	}
	body, err := runtime.Payload(re.RawResponse)
	if err != nil {
		return ""
	}
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	lines := strings.FieldsFunc(e.Error.Message, func(r rune) bool { return r == '\r' || r == '\n' })
	var keep []string
	for i, l := range lines {
		if i == 0 || strings.HasPrefix(l, "Caller:") || strings.HasPrefix(l, "Action:") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	out := strings.Join(keep, " ")
	if len(out) > 600 {
		out = out[:600] + "…"
	}
	return out
}

// azureEnvCredentials reports whether the environment names an Azure
// service principal or workload identity.
func azureEnvCredentials() bool {
	for _, v := range azureEnvCredentialVars {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}
