// Package fakeazure is Azure Key Vault and Microsoft Entra ID (Azure AD)
// for tests: the parts of their REST APIs that sops' azure_keyvault keys
// use through the real Azure SDK clients (azkeys, azidentity and the MSAL
// library under it), spoken as the services speak them. The real services
// cannot be reached here, so the tests run this instead, on 127.0.0.1.
//
// The clients are not pointed at a fake address: they keep the real host
// names (https://NAME.vault.azure.net, https://login.microsoftonline.com)
// and reach the fake through an HTTPS proxy it runs (HTTPS_PROXY for a
// child process, Transport for a client in the test process). The proxy
// connects only to the fake's own TLS server and refuses every other
// destination, so a test using it cannot reach the network. The TLS
// certificate is for those host names, signed by a test CA (WriteCA for
// SSL_CERT_FILE). This keeps Key Vault's challenge check intact: the
// client sends a token only to a host under the challenge's resource
// (vault.azure.net).
//
// Key Vault: the bearer challenge (401 with WWW-Authenticate: Bearer
// authorization="https://login.microsoftonline.com/TENANT",
// resource="https://vault.azure.net" to a request without a token), GET
// /keys/NAME[/VERSION] (the key bundle, kid with the version), POST
// /keys/NAME/[VERSION]/encrypt, /decrypt, /wrapkey and /unwrapkey with
// RSA-OAEP-256 on a real RSA key per version (NewKeyVersion), with Key
// Vault's error bodies: 401 for a missing or wrong token, 403 for an
// identity that is not granted the key, 404 for an unknown key or version.
// It counts the operations per key (Calls).
//
// Entra ID: the tenant's OpenID configuration
// (/TENANT/v2.0/.well-known/openid-configuration), instance discovery
// (/common/discovery/instance) and the token endpoint
// (/TENANT/oauth2/v2.0/token) for the client-credentials grant with a
// client secret, with the service's error shape (AADSTS7000215 for a
// wrong secret, AADSTS7000222 for an expired one, AADSTS700016 for an
// unknown application, AADSTS90002 for an unknown tenant). Tokens carry
// their audience (the scope's resource) and are accepted by the vault only
// for https://vault.azure.net.
//
// Hosts under .kv.attacker.test play a server an attacker controls, named
// by a tampered file's vault URL: they record every request (whether it
// carried a token, how many body bytes) and answer with a challenge, for
// Key Vault's resource or (own.kv.attacker.test) for the attacker's own
// domain (AttackerRequests).
//
// The proxy refuses CONNECT to any other host and drops plain HTTP
// requests (the managed identity endpoint) without an answer, as an
// unreachable host would (Refused lists both).
package fakeazure
