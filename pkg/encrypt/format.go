package encrypt

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
)

// Format is a SOPS file format.
type Format int

// The formats sops can store. FormatAuto means "detect from the file name,
// then from the content".
const (
	FormatAuto Format = iota
	FormatYAML
	FormatJSON
	FormatDotenv
	FormatINI
	FormatBinary
)

// String returns the name sops uses for the format ("yaml", "json", ...).
func (f Format) String() string {
	switch f {
	case FormatYAML:
		return "yaml"
	case FormatJSON:
		return "json"
	case FormatDotenv:
		return "dotenv"
	case FormatINI:
		return "ini"
	case FormatBinary:
		return "binary"
	}
	return "auto"
}

// ParseFormat parses a sops format name ("yaml", "json", "dotenv", "ini",
// "binary", "auto" or ""). Unknown names give FormatAuto and false.
func ParseFormat(s string) (Format, bool) {
	switch strings.ToLower(s) {
	case "yaml", "yml":
		return FormatYAML, true
	case "json":
		return FormatJSON, true
	case "dotenv", "env":
		return FormatDotenv, true
	case "ini":
		return FormatINI, true
	case "binary":
		return FormatBinary, true
	case "", "auto":
		return FormatAuto, true
	}
	return FormatAuto, false
}

// FormatFromPath returns the format implied by a file name's extension, or
// FormatAuto when the extension says nothing (sops itself would then assume
// binary; we look at the content instead).
func FormatFromPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return FormatYAML
	case ".json":
		return FormatJSON
	case ".env":
		return FormatDotenv
	case ".ini":
		return FormatINI
	}
	return FormatAuto
}

// DetectFormat returns the format of an encrypted or plain file. The
// content decides when it identifies a format for sure: a JSON object
// (sops' binary store when it holds only "data" and "sops", else JSON), a
// dotenv file with sops_ keys, an INI file with a [sops] section, a YAML
// document with a top-level sops key. Otherwise the extension decides, and
// content that is none of these is binary. So a sops YAML file named .json,
// a binary-format file named .yaml and a JSON file named .yaml decrypt as
// what they are, as with the shell plugin (which reads the format from the
// content), while a plain file keeps the format its name says.
//
// One ambiguity remains: a JSON document with just the keys "data" and
// "sops" is what sops' binary store writes, and also an encrypted JSON file
// holding one "data" key. Named .json it is JSON; otherwise it is binary (as
// sops, without a known extension, and the shell plugin decide).
func DetectFormat(path string, data []byte) Format {
	ext := FormatFromPath(path)
	content, sure := formatFromContent(data)
	switch {
	case sure && content == FormatBinary && ext == FormatJSON:
		return FormatJSON
	case sure, ext == FormatAuto:
		return content
	}
	return ext
}

func detectFromContent(data []byte) Format {
	f, _ := formatFromContent(data)
	return f
}

// formatFromContent examines data; sure reports that the content itself
// says what it is, so that it wins over a file name that disagrees.
// Anything unrecognised is binary (not sure).
func formatFromContent(data []byte) (f Format, sure bool) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
		// sops' binary store is a JSON object holding one "data" value next
		// to "sops"; sops decrypts such a file as binary when the extension
		// is unknown, and so do we.
		var probe map[string]json.RawMessage
		if json.Unmarshal(trimmed, &probe) == nil {
			_, hasData := probe["data"]
			_, hasSops := probe["sops"]
			if hasData && hasSops && len(probe) == 2 {
				return FormatBinary, true
			}
		}
		return FormatJSON, true
	}
	if hasLinePrefix(data, "sops_mac=") || hasLinePrefix(data, "sops_version=") {
		return FormatDotenv, true
	}
	if hasLinePrefix(data, "[sops]") {
		return FormatINI, true
	}
	if hasLinePrefix(data, "sops:") {
		return FormatYAML, true
	}
	return FormatBinary, false
}

// hasLinePrefix reports whether any line of data starts with prefix.
func hasLinePrefix(data []byte, prefix string) bool {
	p := []byte(prefix)
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if bytes.HasPrefix(bytes.TrimRight(line, "\r"), p) {
			return true
		}
	}
	return false
}

func (f Format) sopsFormat() formats.Format {
	switch f {
	case FormatYAML:
		return formats.Yaml
	case FormatJSON:
		return formats.Json
	case FormatDotenv:
		return formats.Dotenv
	case FormatINI:
		return formats.Ini
	}
	return formats.Binary
}

// store returns the sops store for the format, with indentation settings
// from .sops.yaml when one applies (nil stores config means defaults), in
// its linear-time form (linearStore).
func (f Format) store(sc *config.StoresConfig) common.Store {
	if sc == nil {
		sc = config.NewStoresConfig()
	}
	return linearStore(f, sc)
}

// IsEncrypted reports whether data is a SOPS-encrypted document in the given
// format (FormatAuto: detected from content). It parses the metadata; it
// does not search the text for patterns.
func IsEncrypted(data []byte, format Format) bool {
	if format == FormatAuto {
		format = detectFromContent(data)
	}
	ok := false
	func() {
		defer func() { _ = recover() }()
		tree, err := format.store(nil).LoadEncryptedFile(data)
		ok = err == nil && tree.Metadata.KeyGroups != nil
	}()
	return ok
}

// looksEncrypted reports whether a document that has no sops metadata still
// carries sops ciphertext values: the sign of a truncated file or one whose
// metadata was cut off. We refuse those instead of passing ciphertext on as
// if it were plaintext.
func looksEncrypted(data []byte) bool {
	return bytes.Contains(data, []byte("ENC[AES256_GCM,data:"))
}
