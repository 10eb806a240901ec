package placement

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	hplacement "github.com/helm-secrets/helm-secrets/internal/helm/placement"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// Check is the wrapper's --check-placement check of one helm run. For
// template it checks a copy of helm's stdout (Tee); for install and
// upgrade the manifests our post-renderer is about to hand to helm
// (PostRendered), before anything reaches the cluster. Finish reports.
type Check struct {
	mode       string // warn or error
	policy     *hplacement.Policy
	postRender bool

	mu      sync.Mutex
	secrets []redact.Secret
	// template: what helm wrote to stdout, up to MaxManifest bytes.
	buf  bytes.Buffer
	over bool
	// install, upgrade: the report of each post-render, or its failure.
	reports  []*hplacement.Report
	failures []error
}

// NewCheck prepares the check in mode (warn or error): the exception file
// (PolicyFile in the current directory) is read now, before helm starts,
// so a broken one stops the run. postRender selects the post-renderer
// path (install, upgrade) over helm's stdout (template).
func NewCheck(mode string, postRender bool) (*Check, error) {
	policy, err := LoadPolicy("")
	if err != nil {
		return nil, err
	}
	return &Check{mode: mode, policy: policy, postRender: postRender}, nil
}

// PostRender reports whether the check runs on the post-renderer's
// manifests (install, upgrade).
func (c *Check) PostRender() bool { return c.postRender }

// SetSecrets sets the decrypted values looked for (set before helm starts).
func (c *Check) SetSecrets(s []redact.Secret) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.secrets = s
}

// HasSecrets reports whether there is anything to look for.
func (c *Check) HasSecrets() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.secrets) > 0
}

// Tee returns a writer that copies helm's stdout to the check, then to w.
func (c *Check) Tee(w io.Writer) io.Writer { return &teeWriter{c: c, w: w} }

type teeWriter struct {
	c *Check
	w io.Writer
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if !t.c.over {
		if t.c.buf.Len()+len(b) > MaxManifest {
			t.c.over = true
			t.c.buf = bytes.Buffer{}
		} else {
			t.c.buf.Write(b)
		}
	}
	return t.w.Write(b)
}

// PostRendered checks the manifests a post-renderer is about to hand to
// helm and says whether they may go on: in error mode not when there is a
// finding of level error, or when the check itself fails; in warn mode
// always. The findings are kept for Finish.
func (c *Check) PostRendered(manifests []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := hplacement.Run(hplacement.Options{Manifest: manifests, Secrets: c.secrets, Policy: c.policy})
	if err != nil {
		c.failures = append(c.failures, err)
		return c.mode != "error"
	}
	c.reports = append(c.reports, r)
	return c.mode != "error" || r.Errors() == 0
}

// Finish reports the check on errOut: findings as a table (printed even
// when quiet: they are warnings or errors), "no findings" unless quiet.
// The error it returns (error mode: findings of level error, or a check
// that could not be done) is for the caller to print; then the run fails.
// helmFailed says helm did not succeed: then a post-render that never
// happened is not reported.
func (c *Check) Finish(errOut io.Writer, quiet, helmFailed bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.postRender {
		defer func() { c.buf = bytes.Buffer{} }()
		if c.over {
			if c.mode == "error" {
				return fmt.Errorf("placement check: helm's output is over %d MiB: not checked", MaxManifest>>20)
			}
			fmt.Fprintf(errOut, "%sPlacement check: helm's output is over %d MiB: not checked\n", Prefix, MaxManifest>>20)
			return nil
		}
		r, err := hplacement.Run(hplacement.Options{Manifest: c.buf.Bytes(), Secrets: c.secrets, Policy: c.policy})
		if err != nil {
			return fmt.Errorf("placement check: %v", err)
		}
		c.reports = []*hplacement.Report{r}
	}
	var errs []error
	for _, err := range c.failures {
		if c.mode == "error" {
			errs = append(errs, fmt.Errorf("placement check: %v", err))
		} else {
			fmt.Fprintf(errOut, "%sPlacement check: %v\n", Prefix, err)
		}
	}
	if c.postRender && len(c.reports) == 0 && len(c.failures) == 0 {
		if helmFailed {
			return nil
		}
		const msg = "placement check: helm did not run the post-renderer: nothing was checked"
		if c.mode == "error" {
			return errors.New(msg)
		}
		fmt.Fprintf(errOut, "%sWarning: %s\n", Prefix, msg)
		return nil
	}
	failed := 0
	for _, r := range c.reports {
		if len(r.Findings) == 0 {
			if !quiet {
				fmt.Fprintf(errOut, "%sPlacement check: no findings (%d value(s), %d in Secrets, %d accepted)\n", Prefix, r.Secrets, r.InSecrets, len(r.Accepted))
			}
			continue
		}
		fmt.Fprintf(errOut, "%sPlacement check (%s mode): decrypted values outside Secrets (see docs/placement.md)\n", Prefix, c.mode)
		_ = hplacement.WriteTable(errOut, r)
		failed += r.Errors()
	}
	if c.mode == "error" && failed > 0 {
		msg := fmt.Sprintf("placement check failed: %d finding(s)", failed)
		if c.postRender {
			msg += ": nothing was sent to the cluster"
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}
