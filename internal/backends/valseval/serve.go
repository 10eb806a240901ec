package valseval

import (
	"errors"
	"fmt"
	"io"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
)

// Serve answers valsproto requests from r on w until r ends: the first
// request configures the policy, each later one is evaluated with one
// Evaluator. log receives vals' own lines when the configuration asks for
// debug output.
func Serve(r io.Reader, w io.Writer, log io.Writer) error {
	in := valsproto.NewReader(r)
	var e *Evaluator
	for {
		var req valsproto.Request
		err := in.Read(&req)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var resp valsproto.Response
		switch {
		case req.Op == valsproto.OpConfig:
			var l io.Writer
			if req.Debug {
				l = log
			}
			var pol valsproto.Policy
			if req.Policy != nil {
				pol = *req.Policy
			}
			if e, err = New(pol, l); err != nil {
				resp.Error = err.Error()
			}
		case e == nil:
			resp.Error = "vals: not configured"
		case req.Op == valsproto.OpDocument:
			resp.Data, resp.NoRefs, err = e.Document(req.Source, req.Format, req.Data)
		case req.Op == valsproto.OpLiteral:
			resp.Data, err = e.Literal(req.Source, string(req.Data))
		case req.Op == valsproto.OpManifests:
			resp.Data, resp.NoRefs, err = e.Manifests(req.Data, req.DecodeSecrets)
		default:
			err = fmt.Errorf("vals: unknown operation %q", req.Op)
		}
		if err != nil {
			resp = valsproto.Response{Error: err.Error()}
		}
		if err := valsproto.Write(w, resp); err != nil {
			return err
		}
	}
}
