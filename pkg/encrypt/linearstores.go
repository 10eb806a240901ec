package encrypt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/stores"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck"
)

// sops' YAML and JSON stores take time quadratic in the number of keys of
// a mapping: the YAML store's duplicate-key check compares every pair of
// keys (yaml.v3), and the JSON store builds its output by string
// concatenation. linearStore returns the same results in linear time: the
// YAML store with LoadPlainFile and LoadEncryptedFile mirrored from sops
// (v3.13.3) with internal/foundation/yamlcheck as the duplicate-key check, the JSON
// store with its emitter mirrored onto a buffer. Every other method, and
// every other format, is sops' own. linearstores_test.go compares both
// with sops' stores on a corpus and under fuzzing.
func linearStore(f Format, sc *config.StoresConfig) common.Store {
	s := common.StoreForFormat(f.sopsFormat(), sc)
	switch st := s.(type) {
	case *sopsyaml.Store:
		return yamlStore{st}
	case *sopsjson.Store:
		return jsonStore{Store: st, indent: sc.JSON.Indent}
	}
	return s
}

// yamlStore is sops' YAML store with a linear-time load.
type yamlStore struct{ *sopsyaml.Store }

// LoadEncryptedFile is sops' YAML LoadEncryptedFile.
func (s yamlStore) LoadEncryptedFile(in []byte) (sops.Tree, error) {
	branches, err := s.LoadPlainFile(in)
	if err != nil {
		return sops.Tree{}, err
	}
	branches, metadata, err := stores.ExtractMetadata(branches, stores.MetadataOpts{
		Flatten: stores.MetadataFlattenNone,
	})
	if err != nil {
		return sops.Tree{}, err
	}
	return sops.Tree{Branches: branches, Metadata: metadata}, nil
}

// LoadPlainFile is sops' YAML LoadPlainFile, whose duplicate-key check
// (a decode of the first document into a map) is yamlcheck.Document on
// the first document's nodes, so that the document is parsed once. Every
// document then passes yamlcheck.Aliases, which bounds what the stream's
// aliases expand to.
func (s yamlStore) LoadPlainFile(in []byte) (sops.TreeBranches, error) {
	var branches sops.TreeBranches
	d := yaml.NewDecoder(bytes.NewReader(in))
	var aliases yamlcheck.Aliases
	for first := true; ; first = false {
		var data yaml.Node
		err := d.Decode(&data)
		if first && len(in) > 0 {
			// sops' check, on the first document parsed once: its
			// errors as they are (io.EOF for a stream of no document).
			if err == nil {
				err = yamlcheck.Document(&data)
			}
			if err != nil {
				return nil, err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("Error unmarshaling input YAML: %s", err)
		}
		// Bounded alias expansion in every document and across them
		// (sops copies each aliased node once per alias, and dies of a
		// stack overflow on an alias inside its own node).
		if err := aliases.Document(&data); err != nil {
			return nil, fmt.Errorf("Error unmarshaling input YAML: %w", err)
		}
		branch, err := appendYamlNodeToTreeBranch(&data, make(sops.TreeBranch, 0), false)
		if err != nil {
			return nil, fmt.Errorf("Error unmarshaling input YAML: %s", err)
		}
		branches = append(branches, branch)
	}
	return branches, nil
}

// The rest of this section is sops' YAML node conversion, as it is.

func appendCommentToList(comment string, list []interface{}, inline bool) []interface{} {
	if comment != "" {
		for _, commentLine := range strings.Split(comment, "\n") {
			if commentLine != "" {
				list = append(list, sops.Comment{Value: commentLine[1:], Inline: inline})
			}
		}
	}
	return list
}

func appendCommentToMap(comment string, branch sops.TreeBranch, inline bool) sops.TreeBranch {
	if comment != "" {
		for _, commentLine := range strings.Split(comment, "\n") {
			if commentLine != "" {
				branch = append(branch, sops.TreeItem{Key: sops.Comment{Value: commentLine[1:], Inline: inline}, Value: nil})
			}
		}
	}
	return branch
}

func nodeToTreeValue(node *yaml.Node, commentsWereHandled bool) (interface{}, error) {
	switch node.Kind {
	case yaml.DocumentNode:
		panic("documents should never be passed here")
	case yaml.SequenceNode:
		var result []interface{}
		if !commentsWereHandled {
			result = appendCommentToList(node.HeadComment, result, false)
			result = appendCommentToList(node.LineComment, result, false)
		}
		for _, item := range node.Content {
			result = appendCommentToList(item.HeadComment, result, false)
			result = appendCommentToList(item.LineComment, result, true)
			val, err := nodeToTreeValue(item, true)
			if err != nil {
				return nil, err
			}
			result = append(result, val)
			result = appendCommentToList(item.FootComment, result, false)
		}
		if !commentsWereHandled {
			result = appendCommentToList(node.FootComment, result, false)
		}
		return result, nil
	case yaml.MappingNode:
		return appendYamlNodeToTreeBranch(node, make(sops.TreeBranch, 0), commentsWereHandled)
	case yaml.ScalarNode:
		var result interface{}
		_ = node.Decode(&result)
		return result, nil
	case yaml.AliasNode:
		return nodeToTreeValue(node.Alias, false)
	}
	return nil, nil
}

func appendYamlNodeToTreeBranch(node *yaml.Node, branch sops.TreeBranch, commentsWereHandled bool) (sops.TreeBranch, error) {
	var err error
	if !commentsWereHandled {
		branch = appendCommentToMap(node.HeadComment, branch, false)
		branch = appendCommentToMap(node.LineComment, branch, false)
	}
	switch node.Kind {
	case yaml.DocumentNode:
		for _, item := range node.Content {
			branch, err = appendYamlNodeToTreeBranch(item, branch, false)
			if err != nil {
				return nil, err
			}
		}
	case yaml.SequenceNode:
		return nil, errors.New("YAML documents that are sequences are not supported")
	case yaml.MappingNode:
		for i := 0; i < len(node.Content); i += 2 {
			key := node.Content[i]
			value := node.Content[i+1]
			branch = appendCommentToMap(key.HeadComment, branch, false)
			branch = appendCommentToMap(key.LineComment, branch, false)
			handleValueComments := value.Kind == yaml.ScalarNode || value.Kind == yaml.AliasNode
			if handleValueComments {
				branch = appendCommentToMap(value.HeadComment, branch, false)
				branch = appendCommentToMap(value.LineComment, branch, true)
			}
			var keyValue interface{}
			_ = key.Decode(&keyValue)
			valueTV, err := nodeToTreeValue(value, handleValueComments)
			if err != nil {
				return nil, err
			}
			branch = append(branch, sops.TreeItem{Key: keyValue, Value: valueTV})
			if handleValueComments {
				branch = appendCommentToMap(value.FootComment, branch, false)
			}
			branch = appendCommentToMap(key.FootComment, branch, false)
		}
	case yaml.ScalarNode:
		// An empty document with a document start marker without comments results in null.
		if node.ShortTag() == "!!null" {
			return branch, nil
		}
		return nil, errors.New("YAML documents that are values are not supported")
	case yaml.AliasNode:
		branch, err = appendYamlNodeToTreeBranch(node.Alias, branch, false)
		if err != nil {
			return nil, err
		}
	}
	if !commentsWereHandled {
		branch = appendCommentToMap(node.FootComment, branch, false)
	}
	return branch, nil
}

// jsonStore is sops' JSON store with a linear-time emitter.
type jsonStore struct {
	*sopsjson.Store
	indent int
}

// EmitEncryptedFile is sops' JSON EmitEncryptedFile.
func (s jsonStore) EmitEncryptedFile(in sops.Tree) ([]byte, error) {
	branches, err := stores.SerializeMetadata(in, stores.MetadataOpts{Flatten: stores.MetadataFlattenNone})
	if err != nil {
		return nil, fmt.Errorf("Error marshaling metadata: %s", err)
	}
	return s.EmitPlainFile(branches)
}

// EmitPlainFile is sops' JSON EmitPlainFile.
func (s jsonStore) EmitPlainFile(in sops.TreeBranches) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeJSONTree(&buf, in[0]); err != nil {
		return nil, fmt.Errorf("Error marshaling to json: %s", err)
	}
	out, err := s.reindent(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("Error marshaling to json: %s", err)
	}
	return append(out, '\n'), nil
}

// reindent is sops' JSON reindentJSON.
func (s jsonStore) reindent(in []byte) ([]byte, error) {
	var out bytes.Buffer
	indent := "\t"
	if s.indent > -1 {
		indent = strings.Repeat(" ", s.indent)
	} else if s.indent < -1 {
		return nil, errors.New("JSON Indentation parameter smaller than -1 is not accepted")
	}
	out.Grow(len(in) + len(in)/2)
	err := json.Indent(&out, in, "", indent)
	return out.Bytes(), err
}

// encodeJSONValue, encodeJSONArray and encodeJSONTree are sops' JSON
// encodeValue, encodeArray and encodeTree writing to a buffer. sops'
// encodeTree error on a value quotes the partial output of that value,
// which is empty on error.
func encodeJSONValue(buf *bytes.Buffer, v interface{}) error {
	switch v := v.(type) {
	case sops.TreeBranch:
		return encodeJSONTree(buf, v)
	case []interface{}:
		return encodeJSONArray(buf, v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.Write(b)
		return nil
	}
}

func encodeJSONArray(buf *bytes.Buffer, array []interface{}) error {
	buf.WriteByte('[')
	empty := true
	for _, item := range array {
		if _, ok := item.(sops.Comment); ok {
			continue
		}
		if !empty {
			buf.WriteByte(',')
		}
		if err := encodeJSONValue(buf, item); err != nil {
			return err
		}
		empty = false
	}
	buf.WriteByte(']')
	return nil
}

func encodeJSONTree(buf *bytes.Buffer, tree sops.TreeBranch) error {
	buf.WriteByte('{')
	empty := true
	for _, item := range tree {
		if _, ok := item.Key.(sops.Comment); ok {
			continue
		}
		if !empty {
			buf.WriteByte(',')
		}
		// sops encodes the value first, then the key, into strings it
		// concatenates; here the key goes first, so a failing value is
		// reported before a failing key as in sops.
		var v bytes.Buffer
		if err := encodeJSONValue(&v, item.Value); err != nil {
			return fmt.Errorf("Error encoding value %s: %s", []byte(nil), err)
		}
		k, err := json.Marshal(item.Key.(string))
		if err != nil {
			return fmt.Errorf("Error encoding key %s: %s", k, err)
		}
		buf.Write(k)
		buf.WriteString(`: `)
		buf.Write(v.Bytes())
		empty = false
	}
	buf.WriteByte('}')
	return nil
}
