package gitsecrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// MergeOptions are the arguments of the merge driver, as git passes them
// (merge.helm-secrets.driver = "helm secrets merge-driver %O %A %B %P").
type MergeOptions struct {
	// Engine decrypts and re-encrypts; it finds keys as the sops CLI does.
	Engine *encrypt.Engine
	// Base, Ours and Theirs are the files git wrote the three versions to
	// (%O, %A, %B). The result replaces Ours, as git requires.
	Base, Ours, Theirs string
	// Path is the file's path in the repository (%P): it selects the
	// format and the .sops.yaml creation rule.
	Path string
	// Stderr receives the driver's messages (key paths, never values).
	Stderr io.Writer
	// Decrypt, when set, replaces Engine.Decrypt for the three versions.
	Decrypt DecryptFunc

	// refused, when set, is set to true when the merge is refused (the
	// result is not a merge, only ours left as it was).
	refused *bool
}

// Exit codes of RunMerge: git takes any non-zero code as a conflict.
const (
	ExitClean    = 0
	ExitConflict = 1
)

// RunMerge is the merge driver. It decrypts the three versions in memory
// (MACs verified), merges them key by key and writes the result to Ours,
// encrypted with ours' data key and recipients, so values unchanged from
// ours keep their ciphertext. A key changed on both sides to different
// values becomes an encrypted string holding both versions between
// conflict markers, and the exit code is ExitConflict. A side whose
// recipients differ from base's (or, for a file added on both sides, from
// ours') without the current .sops.yaml rule giving them, or that does not
// decrypt or verify, is refused: Ours is left as it is, a message says
// why, and the exit code is ExitConflict.
func RunMerge(ctx context.Context, o MergeOptions) int {
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	refuse := func(format string, args ...any) int {
		if o.refused != nil {
			*o.refused = true
		}
		fmt.Fprintf(o.Stderr, "helm-secrets merge-driver: %s: %s; %s is left as our version (still encrypted) and marked as conflicted\n",
			o.Path, fmt.Sprintf(format, args...), o.Path)
		return ExitConflict
	}
	read := func(name, file string) ([]byte, error) {
		data, err := o.Engine.ReadRaw(file)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s' version: %w", name, err)
		}
		return data, nil
	}
	base, err := read("the base", o.Base)
	if err != nil {
		return refuse("%v", err)
	}
	ours, err := read("our", o.Ours)
	if err != nil {
		return refuse("%v", err)
	}
	theirs, err := read("their", o.Theirs)
	if err != nil {
		return refuse("%v", err)
	}
	if bytes.Equal(ours, theirs) || (bytes.Equal(base, theirs) && len(base) > 0) {
		return ExitClean // ours is the result
	}

	format := encrypt.DetectFormat(o.Path, ours)
	if format == encrypt.FormatBinary || format == encrypt.FormatAuto {
		format = encrypt.DetectFormat(o.Path, theirs)
	}
	hasBase := len(bytes.TrimSpace(base)) > 0
	oursEnc, theirsEnc := encrypt.IsEncrypted(ours, format), encrypt.IsEncrypted(theirs, format)
	baseEnc := hasBase && encrypt.IsEncrypted(base, format)
	if !oursEnc && !theirsEnc && !baseEnc {
		// Not a SOPS file at all (a pattern that matches too much): merge
		// it as git would.
		return mergeText(o)
	}
	if !oursEnc || !theirsEnc || (hasBase && !baseEnc) {
		return refuse("not every version is SOPS-encrypted (a side stored it in plain text, or it is not a %s file); merge it by hand", format)
	}

	// Recipients first: a re-keyed side is refused before any key is used.
	mb := encrypt.Metadata{}
	if hasBase {
		if mb, err = encrypt.Inspect(base, format); err != nil {
			return refuse("the base version's sops metadata: %v", err)
		}
	}
	mo, err := encrypt.Inspect(ours, format)
	if err != nil {
		return refuse("our version's sops metadata: %v", err)
	}
	mt, err := encrypt.Inspect(theirs, format)
	if err != nil {
		return refuse("their version's sops metadata: %v", err)
	}
	ruleGroups, ruleThreshold, ruleErr := encrypt.RuleKeyGroups(o.Path)
	allowed := func(m encrypt.Metadata, same encrypt.Metadata) bool {
		return sameRecipients(m.KeyGroups, m.Threshold, same.KeyGroups, same.Threshold) ||
			(ruleErr == nil && sameRecipients(m.KeyGroups, m.Threshold, ruleGroups, ruleThreshold))
	}
	ref, refName := mb, "the base version"
	if !hasBase {
		ref, refName = mo, "our version"
	}
	if !allowed(mo, ref) {
		return refuse("our version changes the recipients (%s) from %s's, and the current .sops.yaml rule does not give them: refused (check the change, then run helm secrets updatekeys)", describeChange(ref.KeyGroups, mo.KeyGroups), refName)
	}
	if !allowed(mt, ref) {
		return refuse("their version changes the recipients (%s) from %s's, and the current .sops.yaml rule does not give them: refused; the result is never encrypted for recipients a branch added on its own", describeChange(ref.KeyGroups, mt.KeyGroups), refName)
	}

	// Decrypt all three; the MAC of each is verified.
	decrypt := func(name string, data []byte) ([]byte, error) {
		plain, err := decryptFunc(o.Decrypt, o.Engine)(ctx, data, format, o.Path)
		if err != nil {
			return nil, fmt.Errorf("%s version does not decrypt or verify (%v): refused", name, err)
		}
		return plain, nil
	}
	var pb []byte
	if hasBase {
		if pb, err = decrypt("the base", base); err != nil {
			return refuse("%v", err)
		}
	}
	po, err := decrypt("our", ours)
	if err != nil {
		return refuse("%v", err)
	}
	pt, err := decrypt("their", theirs)
	if err != nil {
		return refuse("%v", err)
	}
	sameKeys := sameRecipients(mo.KeyGroups, mo.Threshold, mt.KeyGroups, mt.Threshold)
	switch {
	case bytes.Equal(po, pt), hasBase && bytes.Equal(pb, pt):
		return ExitClean // ours has every change already
	case hasBase && bytes.Equal(pb, po) && sameKeys:
		// Only theirs changed values: their file, ciphertext and all.
		if err := os.WriteFile(o.Ours, theirs, 0o600); err != nil {
			return refuse("cannot write the result: %v", err)
		}
		return ExitClean
	}

	merged, conflicts, err := merge3(format, pb, po, pt)
	if err != nil {
		if errors.Is(err, errCannotMerge) {
			return refuse("both sides changed it and it %v", err)
		}
		return refuse("%v", err)
	}
	out, _, err := o.Engine.EditAt(ctx, ours, o.Path, func([]byte) ([]byte, error) { return merged, nil })
	if err != nil {
		return refuse("cannot encrypt the merge: %v", err)
	}
	if err := os.WriteFile(o.Ours, out, 0o600); err != nil {
		return refuse("cannot write the result: %v", err)
	}
	if len(conflicts) > 0 {
		fmt.Fprintf(o.Stderr, "helm-secrets merge-driver: %s: both sides changed %s: conflict; the file stays encrypted and holds both versions between conflict markers: resolve with helm secrets edit %s, then git add it\n",
			o.Path, strings.Join(conflicts, ", "), o.Path)
		return ExitConflict
	}
	return ExitClean
}

// mergeText runs git's own three-way text merge on files that are not
// encrypted.
func mergeText(o MergeOptions) int {
	cmd := exec.Command("git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs", "--", o.Ours, o.Base, o.Theirs)
	cmd.Stderr = o.Stderr
	if err := cmd.Run(); err != nil {
		return ExitConflict
	}
	return ExitClean
}

// sameRecipients compares key groups as sets (order within a group and of
// the groups does not matter) and thresholds (0 and 1 alike mean "all").
func sameRecipients(a []([]string), ta int, b [][]string, tb int) bool {
	norm := func(g [][]string) []string {
		var out []string
		for _, keys := range g {
			k := slices.Clone(keys)
			slices.Sort(k)
			out = append(out, strings.Join(k, "\x00"))
		}
		slices.Sort(out)
		return out
	}
	th := func(t, n int) int {
		if t <= 0 || t > n {
			return n
		}
		return t
	}
	return slices.Equal(norm(a), norm(b)) && th(ta, len(a)) == th(tb, len(b))
}

// describeChange lists the master keys (public identifiers) added and
// removed between two sets of key groups.
func describeChange(from, to [][]string) string {
	set := func(g [][]string) map[string]bool {
		m := map[string]bool{}
		for _, keys := range g {
			for _, k := range keys {
				m[k] = true
			}
		}
		return m
	}
	f, t := set(from), set(to)
	var parts []string
	for _, g := range to {
		for _, k := range g {
			if !f[k] {
				parts = append(parts, "adds "+k)
			}
		}
	}
	for _, g := range from {
		for _, k := range g {
			if !t[k] {
				parts = append(parts, "removes "+k)
			}
		}
	}
	if len(parts) == 0 {
		return "regroups them"
	}
	return strings.Join(parts, ", ")
}
