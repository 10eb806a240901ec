package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// sarifSchemaFile is the published SARIF 2.1.0 JSON schema (OASIS, Errata
// 01), unmodified; its provenance and notice are in
// testdata/sarif-schema-2.1.0.NOTICE.md.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

// sarifSchemaID is the id the published schema declares.
const sarifSchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// TestSARIFValidates checks the SARIF reports of the bad fixture (every
// rule has findings) and of a clean one against the published SARIF 2.1.0
// schema with a JSON-schema validator, formats asserted, and that
// ruleIndex points at the rule named by ruleId.
func TestSARIFValidates(t *testing.T) {
	f := newFixture(t)
	f.bad(t)
	// A file name that needs URI escaping.
	testenv.WriteFile(t, f.root, "values/a b#c%d.yaml", "password: "+canary+"\n")
	gitRun(t, f.git, f.root, "add", "-A")
	r, err := Run(context.Background(), Options{Root: f.root, InGit: true, Git: f.git, Engine: f.eng, Heuristics: true, MaxFileSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSARIF(&b, r, "test"); err != nil {
		t.Fatal(err)
	}
	validate(t, b.Bytes())
	if strings.Contains(b.String(), canary) {
		t.Fatal("the SARIF log contains the canary")
	}
	if !strings.Contains(b.String(), `"values/a%20b%23c%25d.yaml"`) {
		t.Errorf("the escaped file name is missing:\n%s", b.String())
	}

	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
			} `json:"results"`
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != len(r.Findings) || len(run.Results) == 0 {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	seen := map[string]bool{}
	for _, res := range run.Results {
		seen[res.RuleID] = true
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has ruleIndex %d (%s)", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
	}
	if len(seen) < 5 {
		t.Errorf("results of only %d rules: %v", len(seen), seen)
	}

	// A clean tree: no results, still a valid log.
	clean := newFixture(t)
	testenv.WriteFile(t, clean.root, "values.yaml", "replicas: 1\n")
	gitRun(t, clean.git, clean.root, "add", "-A")
	r, err = Run(context.Background(), Options{Root: clean.root, InGit: true, Git: clean.git, Engine: clean.eng, Heuristics: true, MaxFileSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 0 {
		t.Fatalf("clean fixture: %v", r.Findings)
	}
	var c bytes.Buffer
	if err := WriteSARIF(&c, r, "test"); err != nil {
		t.Fatal(err)
	}
	validate(t, c.Bytes())
}

// TestSARIFSchemaRejects shows that the validator, with the published
// schema, rejects logs that break it: each mutation of a valid log must
// fail validation.
func TestSARIFSchemaRejects(t *testing.T) {
	f := newFixture(t)
	f.bad(t)
	r, err := Run(context.Background(), Options{Root: f.root, InGit: true, Git: f.git, Engine: f.eng, Heuristics: true, MaxFileSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSARIF(&b, r, "test"); err != nil {
		t.Fatal(err)
	}
	valid := b.String()
	validate(t, b.Bytes())
	for _, m := range []struct{ name, old, new string }{
		{"unknown level", `"level": "warning"`, `"level": "severe"`},
		{"wrong version", `"version": "2.1.0"`, `"version": "2.2.0"`},
		{"ruleIndex below -1", `"ruleIndex": 0`, `"ruleIndex": -2`},
		{"startLine 0", `"startLine": ` + regexp.MustCompile(`"startLine": (\d+)`).FindStringSubmatch(valid)[1], `"startLine": 0`},
		{"unknown root property", `"version": "2.1.0"`, `"version": "2.1.0", "extra": 1`},
		{"informationUri not a URI", `"informationUri": "https://`, `"informationUri": "not a uri`},
		{"message without text", `"message": {`, `"message": {"x": 1}, "y": {`},
		{"driver without name", `"name": "helm-secrets check"`, `"fullName": "helm-secrets check"`},
	} {
		broken := strings.Replace(valid, m.old, m.new, 1)
		if broken == valid {
			t.Fatalf("%s: %q is not in the log", m.name, m.old)
		}
		if err := schemaErr(t, []byte(broken)); err == nil {
			t.Errorf("%s: the schema accepts the broken log", m.name)
		} else {
			t.Logf("%s: rejected: %.200s", m.name, strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := doc.(map[string]any); m["id"] != sarifSchemaID {
		t.Fatalf("%s: id %v, want %s", sarifSchemaFile, m["id"], sarifSchemaID)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(sarifSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(sarifSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schemaErr(t *testing.T, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return compileSchema(t).Validate(v)
}

func validate(t *testing.T, data []byte) {
	t.Helper()
	if err := schemaErr(t, data); err != nil {
		t.Fatalf("SARIF does not validate: %v\n%s", err, data)
	}
}
