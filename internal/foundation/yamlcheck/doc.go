// Package yamlcheck runs, in time linear in the size of the document, the
// check sops' YAML store makes before it loads a file: decoding the first
// document into a map[string]interface{}, which rejects duplicate mapping
// keys (and a few other things). sops writes it as
//
//	yaml.NewDecoder(bytes.NewReader(in)).Decode(make(map[string]interface{}))
//
// and the YAML library compares every key of a mapping with every later
// one, O(n²) in the keys: minutes for a generated values file of a few
// megabytes. FirstDocument returns the same error (same text) for every
// input, or nil when that call returns nil: it parses the first document
// with the same parser and then decodes the node tree with a port of the
// library's decoder, restricted to the three targets that decode can reach
// (the top-level map, string keys, interface{} values), in which only the
// pairwise key comparison is replaced by a hash lookup that reports the
// same pairs in the same order. The tests compare both on a corpus and
// under fuzzing.
//
// It imports only the YAML library and the standard library, so the lean
// binaries can use it.
package yamlcheck
