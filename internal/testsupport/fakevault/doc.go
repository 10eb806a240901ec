// Package fakevault is a Vault server for tests: the part of Vault's HTTP
// API that vals' Vault provider (the real hashicorp/vault/api client)
// uses to read KV secrets, spoken exactly as Vault speaks it. A real Vault
// (or OpenBao) cannot be built here, so the tests run this instead, on
// 127.0.0.1.
//
// It serves GET /v1/sys/internal/ui/mounts/PATH (the KV version
// preflight), GET /v1/MOUNT/data/PATH (KV v2, with ?version=N) and GET
// /v1/MOUNT/PATH (KV v1), checks X-Vault-Token, and answers unknown paths
// with 404 {"errors":[]} and a bad token with 403 {"errors":["permission
// denied"]}, as Vault does. It counts the secret reads per path.
//
// It also serves the transit secrets engine as sops' hc_vault keys use it
// (TransitMount): PUT/POST /v1/MOUNT/encrypt/NAME ({"plaintext": base64}
// -> {"ciphertext": "vault:vN:..."}, creating the key on first use) and
// /v1/MOUNT/decrypt/NAME, with real AES-256-GCM, key versions
// (RotateTransitKey, SetMinDecryptionVersion) and namespaces
// (X-Vault-Namespace), counting the calls per key (TransitCalls).
package fakevault
