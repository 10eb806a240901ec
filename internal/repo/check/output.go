package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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

// SARIFSchema is the $schema a SARIF 2.1.0 log names.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// sarifLog and the types below are the part of SARIF 2.1.0 (OASIS
// standard) that the check writes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	ShortDescription     sarifMessage   `json:"shortDescription"`
	DefaultConfiguration sarifRuleLevel `json:"defaultConfiguration"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// WriteSARIF prints the report as a SARIF 2.1.0 log for code-scanning
// user interfaces; file locations are relative to %SRCROOT% (the root).
// version is the tool's version.
func WriteSARIF(w io.Writer, r *Report, version string) error {
	tool := SARIFTool{
		Name:           "helm-secrets check",
		InformationURI: "https://github.com/helm-secrets/helm-secrets/blob/main/docs/check.md",
		Version:        version,
	}
	results := make([]SARIFResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		results = append(results, SARIFResult{Rule: f.Rule, Level: f.Level, Message: fullMessage(f), File: f.File, Line: f.Line})
	}
	return WriteSARIFLog(w, tool, Rules, results)
}

// SARIFTool names the tool of a SARIF log.
type SARIFTool struct {
	Name           string
	InformationURI string
	Version        string
}

// SARIFResult is one result of a SARIF log: a rule of the rules given to
// WriteSARIFLog, a message, and a slash-separated file (relative to
// %SRCROOT%) with a 1-based line when known.
type SARIFResult struct {
	Rule    Rule
	Level   Level
	Message string
	File    string
	Line    int
}

// WriteSARIFLog prints a SARIF 2.1.0 log of one run of tool: its rules
// and results. It is the writer of WriteSARIF, shared with other reports
// (helm secrets placement).
func WriteSARIFLog(w io.Writer, tool SARIFTool, rules []RuleInfo, results []SARIFResult) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           tool.Name,
			InformationURI: tool.InformationURI,
			Version:        tool.Version,
		}},
		Results: []sarifResult{},
	}
	index := map[Rule]int{}
	for i, ri := range rules {
		index[ri.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:                   string(ri.ID),
			ShortDescription:     sarifMessage{Text: ri.Description},
			DefaultConfiguration: sarifRuleLevel{Level: string(ri.Level)},
		})
	}
	for _, f := range results {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: uriPath(f.File), URIBaseID: "%SRCROOT%"}}}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: string(f.Rule), RuleIndex: index[f.Rule], Level: string(f.Level),
			Message: sarifMessage{Text: f.Message}, Locations: []sarifLocation{loc},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// uriPath escapes a slash-separated relative path as a URI reference.
func uriPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.NewReplacer("%", "%25", " ", "%20", "#", "%23", "?", "%3F").Replace(s)
	}
	return strings.Join(parts, "/")
}
