package encrypt_test

import (
	"testing"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestDetectFormat: content that identifies a sops format wins over an
// extension that disagrees; otherwise the extension decides, then binary.
func TestDetectFormat(t *testing.T) {
	const (
		yamlDoc   = "password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n    version: 3.13.3\n"
		jsonDoc   = "{\n\t\"password\": \"ENC[...]\",\n\t\"sops\": {}\n}\n"
		binaryDoc = "{\n\t\"data\": \"ENC[...]\",\n\t\"sops\": {}\n}\n"
		dotenvDoc = "PASSWORD=ENC[...]\nsops_version=3.13.3\n"
		iniDoc    = "[app]\npassword = ENC[...]\n\n[sops]\nversion = 3.13.3\n"
		plainYAML = "a: b\n"
	)
	for _, tc := range []struct {
		path, data string
		want       encrypt.Format
	}{
		{"s.yaml", yamlDoc, encrypt.FormatYAML},
		{"s.json", yamlDoc, encrypt.FormatYAML},
		{"s.env", yamlDoc, encrypt.FormatYAML},
		{"s", yamlDoc, encrypt.FormatYAML},
		{"s.json", jsonDoc, encrypt.FormatJSON},
		{"s.yaml", jsonDoc, encrypt.FormatJSON},
		{"s.yml", jsonDoc, encrypt.FormatJSON},
		{"s.yaml", binaryDoc, encrypt.FormatBinary},
		{"s.bin", binaryDoc, encrypt.FormatBinary},
		{"s", binaryDoc, encrypt.FormatBinary},
		// An encrypted JSON file with one "data" key looks like the
		// binary store: named .json it stays JSON.
		{"s.json", binaryDoc, encrypt.FormatJSON},
		{"s.yaml", dotenvDoc, encrypt.FormatDotenv},
		{"s.env", dotenvDoc, encrypt.FormatDotenv},
		{"s.yaml", iniDoc, encrypt.FormatINI},
		// Plain content says nothing for sure: the name decides.
		{"s.json", plainYAML, encrypt.FormatJSON},
		{"s.env", plainYAML, encrypt.FormatDotenv},
		{"s.yaml", "just text", encrypt.FormatYAML},
		{"s.txt", "just text", encrypt.FormatBinary},
	} {
		if got := encrypt.DetectFormat(tc.path, []byte(tc.data)); got != tc.want {
			t.Errorf("DetectFormat(%s, %q) = %s, want %s", tc.path, tc.data, got, tc.want)
		}
	}
}
