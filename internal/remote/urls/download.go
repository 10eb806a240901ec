package urls

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// Timeout bounds one download (connection, headers and body) when the
// caller's client has no timeout of its own.
const Timeout = 2 * time.Minute

// Download fetches an http(s) URL (basic auth from the URL, else from the
// .netrc file NETRC names) with client
// (nil: a client with Timeout), refusing a non-2xx status and bodies over
// limit bytes (0: no limit) or over what is left of the run's input budget
// (bounds.BudgetFrom(ctx), charged as the body is read). Errors do not
// quote the URL, which may hold credentials.
func Download(ctx context.Context, client *http.Client, src string, limit int64) ([]byte, error) {
	if client == nil {
		client = &http.Client{Timeout: Timeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	setNetrcAuth(req)
	resp, err := client.Do(req)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	if limit > 0 && resp.ContentLength > limit {
		return nil, fmt.Errorf("%d bytes is over the limit of %d", resp.ContentLength, limit)
	}
	run := bounds.BudgetFrom(ctx)
	if resp.ContentLength > run.Left() {
		return nil, fmt.Errorf("%d bytes: %w of %d bytes", resp.ContentLength, bounds.ErrBudget, run.Limit())
	}
	if limit <= 0 {
		limit = -1
	}
	data, err := bounds.ReadAll(run.Reader(resp.Body), limit)
	if errors.Is(err, bounds.ErrTooLarge) {
		return nil, fmt.Errorf("over the limit of %d bytes", limit)
	}
	return data, err
}

func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
