package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"
)

// textForms returns the forms in which a printer can write s inside a
// longer text: as is and escaped for JSON, YAML, Go's %q, URLs, HTML and
// JavaScript (a template's js function),
// and the JSON and YAML forms escaped a second time.
// Quotes around a quoted form are dropped: the value may be part of a
// longer quoted string.
func textForms(s string) []string {
	if plainASCII(s) {
		// No escaper changes s but the URL ones and the js one (which
		// escapes =): the same set of forms, without building the
		// others (many values, one run).
		return []string{s, url.QueryEscape(s), url.PathEscape(s), template.JSEscapeString(s)}
	}
	return allTextForms(s)
}

// plainASCII reports whether s is printable ASCII without the characters
// JSON, YAML, Go's %q, the YAML single-quoted style and HTML escape.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e:
			return false
		case c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == '\'':
			return false
		}
	}
	return true
}

// allTextForms is textForms computed form by form.
func allTextForms(s string) []string {
	forms := []string{
		s,
		jsonEscape(s, true),
		jsonEscape(s, false),
		asciiJSON(s),
		yamlDoubleQuoted(s),
		strings.ReplaceAll(s, "'", "''"),
		unquote(strconv.Quote(s)),
		unquote(strconv.QuoteToASCII(s)),
		url.QueryEscape(s),
		url.PathEscape(s),
		html.EscapeString(s),
		// Go templates' js function (JSEscapeString): \', \" and \\,
		// \u003C, \u003E, \u0026 and \u003D for <, >, & and =, \u00XX
		// for control characters.
		template.JSEscapeString(s),
	}
	// A template may escape twice (toJson | quote, toYaml | quote):
	// every escaped form escaped once more.
	for _, f := range forms[1:6] {
		if f == s {
			continue
		}
		forms = append(forms, jsonEscape(f, true), jsonEscape(f, false), yamlDoubleQuoted(f), unquote(strconv.Quote(f)))
	}
	return forms
}

func unquote(q string) string { return q[1 : len(q)-1] }

// jsonEscape is encoding/json's string escaping, with or without its HTML
// escaping of <, > and & (sprig's toJson escapes them; toRawJson does not).
func jsonEscape(s string, htmlEscape bool) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(htmlEscape)
	_ = e.Encode(s)
	out := strings.TrimSuffix(b.String(), "\n")
	return unquote(out)
}

// asciiJSON escapes like JSON and writes every non-ASCII rune as \uXXXX
// (with surrogate pairs), as JSON printers other than Go's do.
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range jsonEscape(s, false) {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// yamlDoubleQuoted escapes s as the YAML emitters of go-yaml (v2 and v3,
// which helm's toYaml and helm get values use) write a double-quoted
// scalar.
func yamlDoubleQuoted(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 0:
			b.WriteString(`\0`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1b:
			b.WriteString(`\e`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case 0x85:
			b.WriteString(`\N`)
		case 0xA0:
			b.WriteString(`\_`)
		case 0x2028:
			b.WriteString(`\L`)
		case 0x2029:
			b.WriteString(`\P`)
		default:
			switch {
			case r == utf8.RuneError:
				b.WriteString(`\xEF\xBF\xBD`)
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02X`, r)
			case r == 0xFEFF:
				b.WriteString(`\uFEFF`)
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// base64Cores returns, for each of the three byte alignments a value can
// have inside a base64 stream and for both alphabets, the base64
// characters that depend on the value's bytes only. Any base64 text that
// decodes (at any start) to something containing v contains one of them.
// Cores shorter than MinLen are left out.
func base64Cores(v []byte) []string {
	var out []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for r := 0; r < 3; r++ {
			buf := make([]byte, r+len(v)+2)
			copy(buf[r:], v)
			e := enc.EncodeToString(buf)
			// Character i holds bits [6i, 6i+6); v's bits are [8r, 8(r+len)).
			lo := (8*r + 5) / 6
			hi := (8 * (r + len(v))) / 6 // exclusive
			if hi-lo >= MinLen {
				out = append(out, e[lo:hi])
			}
		}
	}
	return out
}
