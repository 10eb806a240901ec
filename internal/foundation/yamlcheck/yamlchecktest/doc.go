// Package yamlchecktest holds the YAML inputs the tests of
// internal/foundation/yamlcheck and pkg/encrypt compare the linear-time check and
// stores with the YAML library and sops on: hand-written hard cases and a
// generator of documents full of equal keys.
package yamlchecktest
