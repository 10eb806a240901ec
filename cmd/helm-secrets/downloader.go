package main

import (
	"context"

	"github.com/helm-secrets/helm-secrets/internal/cmd/downloader"
)

// runDownloader is Helm's downloader protocol (internal/cmd/downloader):
// `helm-secrets downloader CERT KEY CA URL`.
func (a *app) runDownloader(ctx context.Context, args []string) error {
	return downloader.Run(ctx, &downloader.Options{
		Factory: a.factory(), Args: args,
		DefaultBackend: a.opts.backend, IgnoreMissing: a.opts.ignoreMissing,
		Signals: guardedSignals,
	})
}
