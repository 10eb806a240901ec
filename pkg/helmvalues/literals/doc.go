// Package literals finds encrypted literals in --set, --set-string and
// --set-json values with Helm's own parser, and takes them out of a
// command line so their plaintext never reaches argv. It also holds the
// escaping rules of Helm's strvals syntax. The parser is injected
// (Parser), so the Helm 3 and Helm 4 SDKs each use their own Helm's: see
// the helm3 and helm4 subpackages.
package literals
