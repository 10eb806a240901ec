// Package urls is the one place that tells URLs from paths, redacts
// credentials for messages and downloads http(s) sources with a bound on
// time and size. The wrapper, the getter protocols and the decrypt command
// all use it, so they agree on what a URL is.
package urls
