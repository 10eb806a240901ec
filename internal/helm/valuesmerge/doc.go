// Package valuesmerge is the decryption core of the Helm SDK packages
// (pkg/helm for Helm 3, pkg/helm4 for Helm 4): it merges values sources
// with exactly Helm's precedence, decrypting encrypted files and literals
// in memory. It depends on no Helm SDK: each SDK package supplies its
// Helm's strvals parser (literals.Parser) and getters (Resolver).
package valuesmerge
