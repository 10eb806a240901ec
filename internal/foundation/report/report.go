// Package report holds the shapes every findings report of helm-secrets
// shares (check, placement): a rule, its level and description, and the
// one SARIF 2.1.0 writer, so a report tool reads them the same way. It
// sits below the engine: it knows nothing of sops or helm.
package report

// Rule identifies a kind of finding (stable: SARIF rule ids, JSON).
type Rule string

// Level is a finding's severity.
type Level string

// Severities, as SARIF names them.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
)

// RuleInfo describes a rule for reports (SARIF's rule metadata).
type RuleInfo struct {
	ID          Rule
	Level       Level
	Description string
}

// LevelOf returns the severity rules give r (LevelError for a rule they
// do not list): the one look-up of every report.
func LevelOf(rules []RuleInfo, r Rule) Level {
	for _, ri := range rules {
		if ri.ID == r {
			return ri.Level
		}
	}
	return LevelError
}
