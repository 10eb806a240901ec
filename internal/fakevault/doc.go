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
package fakevault
