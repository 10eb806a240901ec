// Package valseval evaluates vals expressions (ref+vault://…, ref+k8s://…,
// …) with the vals library, in process, for the helm-secrets-vals binary:
// in values documents, in --set literals and in rendered manifests. It is
// the only package that links vals and its provider SDKs; helm-secrets and
// the getter reach it through internal/backends/valsproto.
//
// Every expression is checked against the provider policy
// (valsproto.Policy) before anything is fetched; nested references are
// evaluated one level at a time, vals being handed a single checked
// reference per lookup, so that a reference an inner value spells is
// checked too (expand.go); a reference that
// resolves to nothing fails, and errors name the source and the key path
// (for manifests: the document, its kind and name) with the reference,
// never a value.
package valseval
