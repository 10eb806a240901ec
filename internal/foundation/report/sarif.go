package report

import (
	"encoding/json"
	"io"
	"strings"
)

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
// and results. The one SARIF writer of every report (check, placement).
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
