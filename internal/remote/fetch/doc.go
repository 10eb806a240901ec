// Package fetch gets values sources that helm would fetch itself, the way
// helm fetches them, so that the wrapper can decrypt them in memory before
// helm starts: http:// and https:// URLs (basic auth from the URL), and any
// scheme a helm getter plugin declares in its plugin.yaml (git+https://,
// s3://, gs://, ...), by running that plugin's downloader command as helm
// does: <plugin dir>/<command> [its args] CERT KEY CA URL, with
// HELM_PLUGIN_NAME and HELM_PLUGIN_DIR set, reading its stdout.
//
// Errors never contain the URL's password (see urls.Redact).
package fetch
