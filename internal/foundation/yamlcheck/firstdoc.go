package yamlcheck

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxErrors bounds the messages collected for one input: the library lists
// every pair of equal keys, so a mapping of n equal keys would give n²/2
// messages. Up to this many the message is the library's, byte for byte;
// beyond it the rest is left out. Whether an input is rejected never
// depends on it.
const MaxErrors = 1000

// FirstDocument returns exactly what
// yaml.NewDecoder(bytes.NewReader(in)).Decode(make(map[string]interface{}))
// returns (io.EOF for a stream without documents, the parser's error for
// a malformed first document, a *yaml.TypeError for duplicate keys and
// type mismatches, the decoder's other errors), in linear time. Only the
// first document is read, as with that call.
func FirstDocument(in []byte) (err error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(in)).Decode(&doc); err != nil {
		return err
	}
	return Document(&doc)
}

// Document is FirstDocument for a document already parsed (with
// yaml.Decoder.Decode into a yaml.Node, which neither checks nor changes
// anything), for callers that go on to use the nodes: the first document
// of a stream gives the same nodes in a Decoder of the whole stream as in
// one of its own. Document does not modify doc.
func Document(doc *yaml.Node) (err error) {
	d := &decoder{aliases: map[*yaml.Node]bool{}}
	defer handleErr(&err)
	d.unmarshal(doc, reflect.ValueOf(make(map[string]interface{})))
	if len(d.terrors) > 0 {
		return &yaml.TypeError{Errors: d.terrors}
	}
	return nil
}

// The library's tags and types, as in its decode.go and resolve.go.
const (
	nullTag       = "!!null"
	strTag        = "!!str"
	seqTag        = "!!seq"
	mapTag        = "!!map"
	mergeTag      = "!!merge"
	longTagPrefix = "tag:yaml.org,2002:"
)

var (
	stringMapType  = reflect.TypeOf(map[string]interface{}{})
	generalMapType = reflect.TypeOf(map[interface{}]interface{}{})
	ifaceType      = generalMapType.Elem()
)

func shortTag(tag string) string {
	if strings.HasPrefix(tag, longTagPrefix) {
		return "!!" + tag[len(longTagPrefix):]
	}
	return tag
}

// yamlError is the library's way out of a decode: a panic carrying the
// error, recovered in FirstDocument.
type yamlError struct{ err error }

func fail(err error) { panic(yamlError{err}) }

func failf(format string, args ...interface{}) {
	panic(yamlError{fmt.Errorf("yaml: "+format, args...)})
}

func handleErr(err *error) {
	if v := recover(); v != nil {
		if e, ok := v.(yamlError); ok {
			*err = e.err
		} else {
			panic(v)
		}
	}
}

// decoder is the library's decoder for the targets reachable from a
// map[string]interface{}: no structs, pointers, unmarshalers, numbers.
type decoder struct {
	aliases      map[*yaml.Node]bool
	terrors      []string
	decodeCount  int
	aliasCount   int
	aliasDepth   int
	mergedFields map[interface{}]bool
}

func (d *decoder) addError(msg string) {
	if len(d.terrors) < MaxErrors {
		d.terrors = append(d.terrors, msg)
	}
}

func (d *decoder) terror(n *yaml.Node, tag string, out reflect.Value) {
	if n.Tag != "" {
		tag = n.Tag
	}
	value := n.Value
	if tag != seqTag && tag != mapTag {
		if len(value) > 10 {
			value = " `" + value[:7] + "...`"
		} else {
			value = " `" + value + "`"
		}
	}
	d.addError(fmt.Sprintf("line %d: cannot unmarshal %s%s into %s", n.Line, shortTag(tag), value, out.Type()))
}

// The library's limits on alias expansion.
const (
	aliasRatioRangeLow  = 400000
	aliasRatioRangeHigh = 4000000
	aliasRatioRange     = float64(aliasRatioRangeHigh - aliasRatioRangeLow)
)

func allowedAliasRatio(decodeCount int) float64 {
	switch {
	case decodeCount <= aliasRatioRangeLow:
		return 0.99
	case decodeCount >= aliasRatioRangeHigh:
		return 0.10
	default:
		return 0.99 - 0.89*(float64(decodeCount-aliasRatioRangeLow)/aliasRatioRange)
	}
}

func (d *decoder) unmarshal(n *yaml.Node, out reflect.Value) (good bool) {
	d.decodeCount++
	if d.aliasDepth > 0 {
		d.aliasCount++
	}
	if d.aliasCount > 100 && d.decodeCount > 1000 && float64(d.aliasCount)/float64(d.decodeCount) > allowedAliasRatio(d.decodeCount) {
		failf("document contains excessive aliasing")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return d.document(n, out)
	case yaml.AliasNode:
		return d.alias(n, out)
	}
	// The library's prepare() does nothing for these targets.
	switch n.Kind {
	case yaml.ScalarNode:
		good = d.scalar(n, out)
	case yaml.MappingNode:
		good = d.mapping(n, out)
	case yaml.SequenceNode:
		good = d.sequence(n, out)
	case 0:
		if n.IsZero() {
			return d.null(out)
		}
		fallthrough
	default:
		failf("cannot decode node with unknown kind %d", n.Kind)
	}
	return good
}

func (d *decoder) document(n *yaml.Node, out reflect.Value) (good bool) {
	if len(n.Content) == 1 {
		d.unmarshal(n.Content[0], out)
		return true
	}
	return false
}

func (d *decoder) alias(n *yaml.Node, out reflect.Value) (good bool) {
	if d.aliases[n] {
		failf("anchor '%s' value contains itself", n.Value)
	}
	d.aliases[n] = true
	d.aliasDepth++
	good = d.unmarshal(n.Alias, out)
	d.aliasDepth--
	delete(d.aliases, n)
	return good
}

func (d *decoder) null(out reflect.Value) bool {
	if out.CanAddr() {
		switch out.Kind() {
		case reflect.Interface, reflect.Ptr, reflect.Map, reflect.Slice:
			out.Set(reflect.Zero(out.Type()))
			return true
		}
	}
	return false
}

// resolved is the value the library's scalar decoding resolves n to (nil
// for null), with its errors (a bad explicit tag, bad !!binary data). A
// !!str scalar is its text, as in the library; anything else is decoded
// by the library itself, on the scalar node alone.
func resolved(n *yaml.Node) interface{} {
	if indicatedString(n) {
		return n.Value
	}
	var v interface{}
	if err := n.Decode(&v); err != nil {
		fail(err)
	}
	return v
}

// indicatedString is the library's Node.indicatedString.
func indicatedString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode &&
		(shortTag(n.Tag) == strTag ||
			(n.Tag == "" || n.Tag == "!") && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0)
}

func (d *decoder) scalar(n *yaml.Node, out reflect.Value) bool {
	r := resolved(n)
	if r == nil {
		return d.null(out)
	}
	switch out.Kind() {
	case reflect.String:
		// The library sets the resolved string (the text, or !!binary's
		// decoded bytes), else the scalar's text.
		if s, ok := r.(string); ok {
			out.SetString(s)
		} else {
			out.SetString(n.Value)
		}
		return true
	case reflect.Interface:
		out.Set(reflect.ValueOf(r))
		return true
	}
	d.terror(n, n.ShortTag(), out)
	return false
}

func settableValueOf(i interface{}) reflect.Value {
	v := reflect.ValueOf(i)
	sv := reflect.New(v.Type()).Elem()
	sv.Set(v)
	return sv
}

func (d *decoder) sequence(n *yaml.Node, out reflect.Value) (good bool) {
	l := len(n.Content)
	if out.Kind() != reflect.Interface {
		d.terror(n, seqTag, out)
		return false
	}
	iface := out
	out = settableValueOf(make([]interface{}, l))
	j := 0
	for i := 0; i < l; i++ {
		e := reflect.New(ifaceType).Elem()
		if ok := d.unmarshal(n.Content[i], e); ok {
			out.Index(j).Set(e)
			j++
		}
	}
	iface.Set(out.Slice(0, j))
	return true
}

// duplicateKeys adds the library's message for every pair of equal keys
// (same kind, same text) of a mapping, in the library's order (by the
// first key of the pair, then the second), and reports whether there was
// any. The library compares all pairs; this links each key to the next
// equal one instead.
func (d *decoder) duplicateKeys(n *yaml.Node) bool {
	l := len(n.Content)
	if l <= 32 {
		found := false
		for i := 0; i < l; i += 2 {
			ni := n.Content[i]
			for j := i + 2; j < l; j += 2 {
				nj := n.Content[j]
				if ni.Kind == nj.Kind && ni.Value == nj.Value {
					found = true
					d.addError(fmt.Sprintf("line %d: mapping key %#v already defined at line %d", nj.Line, nj.Value, ni.Line))
				}
			}
		}
		return found
	}
	type key struct {
		kind  yaml.Kind
		value string
	}
	keys := l / 2
	next := make([]int, keys) // next[i]: the next key equal to key i, or -1
	last := make(map[key]int, keys)
	found := false
	for i := 0; i < keys; i++ {
		next[i] = -1
		ni := n.Content[2*i]
		k := key{ni.Kind, ni.Value}
		if p, ok := last[k]; ok {
			next[p] = i
			found = true
		}
		last[k] = i
	}
	if !found {
		return false
	}
	for i := 0; i < keys && len(d.terrors) < MaxErrors; i++ {
		ni := n.Content[2*i]
		for j := next[i]; j >= 0 && len(d.terrors) < MaxErrors; j = next[j] {
			nj := n.Content[2*j]
			d.addError(fmt.Sprintf("line %d: mapping key %#v already defined at line %d", nj.Line, nj.Value, ni.Line))
		}
	}
	return true
}

func (d *decoder) mapping(n *yaml.Node, out reflect.Value) (good bool) {
	l := len(n.Content)
	if d.duplicateKeys(n) {
		return false
	}
	switch out.Kind() {
	case reflect.Map:
		// okay
	case reflect.Interface:
		iface := out
		if isStringMap(n) {
			out = reflect.MakeMap(stringMapType)
		} else {
			out = reflect.MakeMap(generalMapType)
		}
		iface.Set(out)
	default:
		d.terror(n, mapTag, out)
		return false
	}
	// (The library's switch of its map types is a no-op here: out is one
	// of the two it starts with.)
	outt := out.Type()
	kt := outt.Key()
	et := outt.Elem()

	mergedFields := d.mergedFields
	d.mergedFields = nil

	var mergeNode *yaml.Node

	mapIsNew := false
	if out.IsNil() {
		out.Set(reflect.MakeMap(outt))
		mapIsNew = true
	}
	for i := 0; i < l; i += 2 {
		if isMerge(n.Content[i]) {
			mergeNode = n.Content[i+1]
			continue
		}
		k := reflect.New(kt).Elem()
		if d.unmarshal(n.Content[i], k) {
			if mergedFields != nil {
				ki := k.Interface()
				if d.getPossiblyUnhashableKey(mergedFields, ki) {
					continue
				}
				d.setPossiblyUnhashableKey(mergedFields, ki, true)
			}
			kkind := k.Kind()
			if kkind == reflect.Interface {
				kkind = k.Elem().Kind()
			}
			if kkind == reflect.Map || kkind == reflect.Slice {
				failf("invalid map key: %#v", k.Interface())
			}
			e := reflect.New(et).Elem()
			if d.unmarshal(n.Content[i+1], e) || n.Content[i+1].ShortTag() == nullTag && (mapIsNew || !out.MapIndex(k).IsValid()) {
				out.SetMapIndex(k, e)
			}
		}
	}

	d.mergedFields = mergedFields
	if mergeNode != nil {
		d.merge(n, mergeNode, out)
	}
	return true
}

func isStringMap(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	l := len(n.Content)
	for i := 0; i < l; i += 2 {
		shortTag := n.Content[i].ShortTag()
		if shortTag != strTag && shortTag != mergeTag {
			return false
		}
	}
	return true
}

func failWantMap() {
	failf("map merge requires map or sequence of maps as the value")
}

func (d *decoder) setPossiblyUnhashableKey(m map[interface{}]bool, key interface{}, value bool) {
	defer func() {
		if err := recover(); err != nil {
			failf("%v", err)
		}
	}()
	m[key] = value
}

func (d *decoder) getPossiblyUnhashableKey(m map[interface{}]bool, key interface{}) bool {
	defer func() {
		if err := recover(); err != nil {
			failf("%v", err)
		}
	}()
	return m[key]
}

func (d *decoder) merge(parent *yaml.Node, merge *yaml.Node, out reflect.Value) {
	mergedFields := d.mergedFields
	if mergedFields == nil {
		d.mergedFields = make(map[interface{}]bool)
		for i := 0; i < len(parent.Content); i += 2 {
			k := reflect.New(ifaceType).Elem()
			if d.unmarshal(parent.Content[i], k) {
				d.setPossiblyUnhashableKey(d.mergedFields, k.Interface(), true)
			}
		}
	}

	switch merge.Kind {
	case yaml.MappingNode:
		d.unmarshal(merge, out)
	case yaml.AliasNode:
		if merge.Alias != nil && merge.Alias.Kind != yaml.MappingNode {
			failWantMap()
		}
		d.unmarshal(merge, out)
	case yaml.SequenceNode:
		for i := 0; i < len(merge.Content); i++ {
			ni := merge.Content[i]
			if ni.Kind == yaml.AliasNode {
				if ni.Alias != nil && ni.Alias.Kind != yaml.MappingNode {
					failWantMap()
				}
			} else if ni.Kind != yaml.MappingNode {
				failWantMap()
			}
			d.unmarshal(ni, out)
		}
	default:
		failWantMap()
	}

	d.mergedFields = mergedFields
}

func isMerge(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" && (n.Tag == "" || n.Tag == "!" || shortTag(n.Tag) == mergeTag)
}
