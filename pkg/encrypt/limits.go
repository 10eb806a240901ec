package encrypt

import (
	"context"
	"fmt"
	"os"

	"github.com/getsops/sops/v3/config"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// Bounds on what input files can make the engine do (docs/security.md,
// "Bounded input"). The per-file cap is Options.MaxInputSize; the others:

// DefaultMaxTotalInputSize is the default cap on the bytes one
// DecryptFiles or ReadFiles call reads from all its files together (six
// 32 MiB files took 1.19 GB of memory).
const DefaultMaxTotalInputSize int64 = 64 << 20

// MaxDepth is the deepest nesting of mappings and lists the engine
// accepts in a document (encrypted or plain), checked by a linear scan
// before parsing: sops' work and output grow with size × depth.
const MaxDepth = bounds.MaxDepth

// MaxConfigSize is the largest .sops.yaml the engine reads.
const MaxConfigSize = bounds.MaxConfigSize

// ErrTooDeep means a document nests deeper than MaxDepth.
var ErrTooDeep = bounds.ErrTooDeep

// openRegular opens an input file: only regular files (and the explicit
// descriptor paths /dev/stdin, /dev/fd/N), without blocking on a FIFO.
func openRegular(path string) (*os.File, error) { return bounds.Open(path) }

// checkInput applies the per-document bounds: size, then depth.
func (e *Engine) checkInput(data []byte, format Format) error {
	if err := e.checkSize(data); err != nil {
		return err
	}
	return checkDepth(data, format)
}

// checkDepth refuses a document nesting deeper than MaxDepth. FormatAuto
// is checked as YAML (a superset of JSON); dotenv, INI and binary are flat.
func checkDepth(data []byte, format Format) error {
	switch format {
	case FormatJSON:
		return bounds.CheckJSONDepth(data)
	case FormatYAML, FormatAuto:
		return bounds.CheckYAMLDepth(data)
	}
	return nil
}

// checkOutput refuses an output over the per-file cap, so that the engine
// never writes (encrypt, edit, rotate) a file it would then refuse to read,
// nor returns more than it accepts as input.
func (e *Engine) checkOutput(out []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	if e.tooLarge(int64(len(out))) {
		return nil, fmt.Errorf("%w: the output would be %d bytes, over the limit of %d the engine reads", ErrTooLarge, len(out), e.opts.MaxInputSize)
	}
	return out, nil
}

// budget is the total input one DecryptFiles/ReadFiles call may read:
// the run's (bounds.WithBudget on the context: the wrapper's, shared with
// its downloads and literals), else one of Options.MaxTotalInputSize for
// this call.
type budget struct{ run *bounds.Budget }

func (e *Engine) newBudget(ctx context.Context) *budget {
	if run := bounds.BudgetFrom(ctx); run != nil {
		return &budget{run}
	}
	limit := e.opts.MaxTotalInputSize
	if limit == 0 {
		limit = DefaultMaxTotalInputSize
	}
	if limit < 0 {
		return nil
	}
	return &budget{bounds.NewBudget(limit)}
}

// take charges n bytes, failing once the total is over the limit.
func (b *budget) take(n int64) error {
	if b == nil {
		return nil
	}
	if b.run.Take(n) != nil {
		return fmt.Errorf("%w: the files of this run together exceed %d bytes (Options.MaxTotalInputSize)", ErrTooLarge, b.run.Limit())
	}
	return nil
}

// precheck charges the sizes of the regular files among paths before any
// is read, so a run over budget reads nothing.
func (b *budget) precheck(paths map[string]int) error {
	if b == nil {
		return nil
	}
	var total int64
	for p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			total += st.Size()
		}
	}
	if total > b.run.Left() {
		return fmt.Errorf("%w: %d files of %d bytes together, over %d (Options.MaxTotalInputSize)", ErrTooLarge, len(paths), total, b.run.Limit())
	}
	return nil
}

// loadStoresConfig reads the stores section of the .sops.yaml at conf,
// refusing a file over MaxConfigSize, not regular, or with an indentation
// outside the range bounds.CheckIndent allows. One sops cannot parse
// gives the defaults (nil), as it always did.
func loadStoresConfig(conf string) (*config.StoresConfig, error) {
	if err := checkConfigFile(conf); err != nil {
		return nil, err
	}
	sc, err := config.LoadStoresConfig(conf)
	if err != nil {
		return nil, nil
	}
	for _, c := range []struct {
		setting string
		n, min  int
	}{
		{"stores.yaml.indent", sc.YAML.Indent, 0},
		{"stores.json.indent", sc.JSON.Indent, -1},
		{"stores.json_binary.indent", sc.JSONBinary.Indent, -1},
	} {
		if err := bounds.CheckIndent(conf, c.setting, c.n, c.min); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// checkConfigFile refuses a .sops.yaml that is not a regular file of at
// most MaxConfigSize bytes, before sops' loaders read it.
func checkConfigFile(conf string) error {
	_, err := bounds.ReadConfig(conf)
	return err
}
