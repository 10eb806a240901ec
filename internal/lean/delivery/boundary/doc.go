// Package boundary is the last check on a values document before helm may
// read it: Check refuses one that still holds sops-encrypted data or sops
// metadata, in any encoding helm reads. The delivery server runs it on
// everything it serves (the full and lean wrappers, custom backends,
// remote values), the getters on what they print. It imports only the
// standard library, so the lean binaries can use it.
package boundary
