package placement

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/helm-secrets/helm-secrets/internal/foundation/report"
)

// WriteTable prints the findings one a line, the accepted ones after them
// with their reasons, and a summary line.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(r.Findings)+len(r.Accepted) > 0 {
		fmt.Fprintln(tw, "LEVEL\tRULE\tRESOURCE\tFIELD\tSOURCE")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Level, f.Rule, f.Resource(), f.Field, f.Source)
	}
	for _, f := range r.Accepted {
		fmt.Fprintf(tw, "accepted\t%s\t%s\t%s\t%s (%s)\n", f.Rule, f.Resource(), f.Field, f.Source, oneLine(f.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d finding(s) (%d error(s)), %d accepted; %d value(s) looked for in %d document(s), %d in Secrets\n",
		len(r.Findings), r.Errors(), len(r.Accepted), r.Secrets, r.Documents, r.InSecrets)
	return err
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	space := false
	for _, c := range s {
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			if !space && len(out) > 0 {
				out = append(out, ' ')
			}
			space = true
			continue
		}
		space = false
		out = append(out, c)
	}
	return string(out)
}

// WriteJSON prints the report as one JSON object.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteSARIF prints the findings (not the accepted ones) as a SARIF 2.1.0
// log, with check's writer. A finding's location is the template helm
// names ("# Source:"), else manifest (the stream's name); version is the
// tool's version.
func WriteSARIF(w io.Writer, r *Report, manifest, version string) error {
	results := make([]report.SARIFResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		file := f.Template
		if file == "" {
			file = manifest
		}
		results = append(results, report.SARIFResult{Rule: f.Rule, Level: f.Level, Message: f.Message, File: file})
	}
	return report.WriteSARIFLog(w, report.SARIFTool{
		Name:           "helm-secrets placement",
		InformationURI: "https://github.com/helm-secrets/helm-secrets/blob/main/docs/placement.md",
		Version:        version,
	}, Rules, results)
}
