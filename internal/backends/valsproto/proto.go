package valsproto

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Operations of a Request.
const (
	// OpConfig is the first request of a session: it sets the provider
	// policy. Data is unused.
	OpConfig = "config"
	// OpDocument evaluates every ref+ expression in a YAML or JSON
	// document (Format "yaml" or "json"); Source names it in errors.
	OpDocument = "document"
	// OpLiteral evaluates the ref+ expressions inside one string (a
	// --set value or a secrets+literal:// value), as `vals get` does.
	OpLiteral = "literal"
	// OpManifests evaluates the ref+ expressions in rendered Kubernetes
	// manifests (a YAML stream); DecodeSecrets first turns the base64 data
	// of every Secret into stringData.
	OpManifests = "manifests"
)

// MaxMessage caps one message (a request or a response), as the engine
// caps every input.
const MaxMessage = 64 << 20

// Request is one message to helm-secrets-vals, a JSON object on a line.
type Request struct {
	Op     string `json:"op"`
	Source string `json:"source,omitempty"`
	Format string `json:"format,omitempty"`
	Data   []byte `json:"data,omitempty"`
	// DecodeSecrets: OpManifests only.
	DecodeSecrets bool `json:"decode_secrets,omitempty"`
	// Policy: OpConfig only.
	Policy *Policy `json:"policy,omitempty"`
	// Debug: OpConfig only; vals' own log lines go to the child's stderr.
	Debug bool `json:"debug,omitempty"`
}

// Response answers one Request. Error, when set, names the source and the
// key path of a failed reference, never a value.
type Response struct {
	Data  []byte `json:"data,omitempty"`
	Error string `json:"error,omitempty"`
	// NoRefs: the input had no ref+ expression; Data is empty and the input
	// is used as it is.
	NoRefs bool `json:"no_refs,omitempty"`
}

// Reader reads length-capped JSON lines.
type Reader struct{ r *bufio.Reader }

// NewReader reads messages from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// ErrTooLarge is a message over MaxMessage.
var ErrTooLarge = errors.New("vals message too large")

// Read decodes the next message into v; io.EOF at a clean end.
func (r *Reader) Read(v any) error {
	var line []byte
	for {
		chunk, err := r.r.ReadSlice('\n')
		if len(line)+len(chunk) > MaxMessage {
			return ErrTooLarge
		}
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		break
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("vals message: %w", err)
	}
	return nil
}

// Write encodes v as one JSON line on w.
func Write(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > MaxMessage {
		return ErrTooLarge
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
