package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/helm-secrets/helm-secrets/internal/foundation/report"
)

// WriteTable prints the report as a table, one finding a line, and a
// summary line.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(r.Findings) > 0 {
		fmt.Fprintln(tw, "LEVEL\tRULE\tFILE\tMESSAGE")
	}
	for _, f := range r.Findings {
		loc := f.File
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		msg := fullMessage(f)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Level, f.Rule, loc, oneLine(msg))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d finding(s) in %d file(s) checked (%d must be encrypted, %d MAC verified)\n",
		len(r.Findings), r.Files, r.Matched, r.Verified)
	return err
}

// fullMessage is a finding's message with the keys it names.
func fullMessage(f Finding) string {
	msg := f.Message
	if len(f.Added) > 0 {
		msg += "; added: " + strings.Join(f.Added, ", ")
	}
	if len(f.Removed) > 0 {
		msg += "; removed: " + strings.Join(f.Removed, ", ")
	}
	return msg
}

// oneLine keeps a message on one table line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// WriteJSON prints the report as one JSON object.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteSARIF prints the report as a SARIF 2.1.0 log for code-scanning
// user interfaces; file locations are relative to %SRCROOT% (the root).
// version is the tool's version.
func WriteSARIF(w io.Writer, r *Report, version string) error {
	tool := report.SARIFTool{
		Name:           "helm-secrets check",
		InformationURI: "https://github.com/helm-secrets/helm-secrets/blob/main/docs/check.md",
		Version:        version,
	}
	results := make([]report.SARIFResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		results = append(results, report.SARIFResult{Rule: f.Rule, Level: f.Level, Message: fullMessage(f), File: f.File, Line: f.Line})
	}
	return report.WriteSARIFLog(w, tool, Rules, results)
}
