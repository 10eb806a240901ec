package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFValidates checks the SARIF report of the bad fixture against
// testdata/sarif-2.1.0-subset.schema.json with a JSON-schema validator,
// formats asserted. The schema is a hand-written subset of the published
// SARIF 2.1.0 schema (see its $comment): the published file is not
// available to this build.
func TestSARIFValidates(t *testing.T) {
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
	validate(t, b.Bytes())

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
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has ruleIndex %d (%s)", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
	}
	// The validator does reject a broken log.
	broken := bytes.Replace(b.Bytes(), []byte(`"level": "warning"`), []byte(`"level": "severe"`), 1)
	if schemaErr(t, broken) == nil {
		t.Error("the schema accepts level \"severe\"")
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile("testdata/sarif-2.1.0-subset.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif.json")
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
