package boundary

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrCiphertext means a values document about to be handed to helm still
// holds sops-encrypted data or sops metadata: whatever path produced it,
// helm must never read ciphertext as plain values.
var ErrCiphertext = errors.New("still holds sops-encrypted data; refusing to hand it to helm")

// encMarker starts every value sops encrypts (the data key's MAC too).
var encMarker = []byte("ENC[AES256_GCM,data:")

// Check is the last look at a values document before helm may read it:
// it refuses (ErrCiphertext, naming the source as typed, never its
// content) a document holding `ENC[AES256_GCM,data:` or a `sops` key with
// sops' metadata fields (`lastmodified`, `mac`), in any encoding helm
// reads: UTF-8, UTF-16 and UTF-32 (with or without a byte order mark:
// the NUL bytes of an ASCII text in those are dropped before looking),
// JSON. It takes time linear in the document; it may refuse a plaintext
// that quotes sops' format, never passes one that holds it.
func Check(typed string, content []byte) error {
	text := content
	if bytes.IndexByte(text, 0) >= 0 {
		text = bytes.ReplaceAll(text, []byte{0}, nil)
	}
	switch {
	case bytes.Contains(text, encMarker):
		return fmt.Errorf("%s: %w (an ENC[AES256_GCM,...] value)", typed, ErrCiphertext)
	case hasSopsKey(text) && (hasKey(text, "lastmodified") || hasKey(text, "mac")):
		return fmt.Errorf("%s: %w (sops metadata)", typed, ErrCiphertext)
	}
	return nil
}

// hasSopsKey reports whether text has a `sops` key (plain or quoted) at
// the start of a line (YAML's top level) or where a JSON or flow mapping
// key starts (after '{' or ',').
func hasSopsKey(text []byte) bool {
	for off := 0; ; {
		i := bytes.Index(text[off:], []byte("sops"))
		if i < 0 {
			return false
		}
		s, e := off+i, off+i+4
		off = e
		start := s
		if s > 0 && (text[s-1] == '"' || text[s-1] == '\'') {
			if e >= len(text) || text[e] != text[s-1] {
				continue
			}
			start, e = s-1, e+1
		}
		if !lineStart(text, start) && !jsonKeyContext(text, start) {
			continue
		}
		for e < len(text) && (text[e] == ' ' || text[e] == '\t') {
			e++
		}
		if e < len(text) && text[e] == ':' {
			return true
		}
	}
}

// hasKey reports whether name occurs as a key: followed, after an optional
// closing quote and blanks, by ':'.
func hasKey(text []byte, name string) bool {
	for off := 0; ; {
		i := bytes.Index(text[off:], []byte(name))
		if i < 0 {
			return false
		}
		e := off + i + len(name)
		off = e
		if e < len(text) && (text[e] == '"' || text[e] == '\'') {
			e++
		}
		for e < len(text) && (text[e] == ' ' || text[e] == '\t') {
			e++
		}
		if e < len(text) && text[e] == ':' {
			return true
		}
	}
}

func lineStart(text []byte, i int) bool {
	return i == 0 || text[i-1] == '\n' || text[i-1] == '\r' || text[i-1] == 0xBF
}

// jsonKeyContext reports whether the key starting at i follows '{' or ','
// (after at most 64 blanks, so that the scan stays linear): where a JSON
// or flow mapping key starts.
func jsonKeyContext(text []byte, i int) bool {
	for j := i - 1; j >= 0 && j >= i-64; j-- {
		switch text[j] {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', ',':
			return true
		}
		return false
	}
	return false
}
