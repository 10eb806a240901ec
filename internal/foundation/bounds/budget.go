package bounds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// MaxRunInput is the default total of the bytes one run reads from all
// its inputs: local files, downloaded values, literals (eight 30 MiB URLs
// took the wrapper to 2 GB).
const MaxRunInput int64 = 64 << 20

// ErrBudget means the inputs of a run together exceed its Budget.
var ErrBudget = errors.New("the inputs of this run together exceed the limit")

// Budget is the total input one run may read, shared by every read of the
// run (files, downloads, literals) and safe for concurrent use. A nil
// *Budget has no limit.
type Budget struct {
	left  atomic.Int64
	limit int64
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget {
	b := &Budget{limit: limit}
	b.left.Store(limit)
	return b
}

// Limit is the budget's total.
func (b *Budget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// Left is what remains of the budget (negative once exceeded).
func (b *Budget) Left() int64 {
	if b == nil {
		return 1<<63 - 1
	}
	return b.left.Load()
}

// Take charges n bytes; it fails (ErrBudget) once the run's total is over
// the limit, and keeps failing.
func (b *Budget) Take(n int64) error {
	if b == nil {
		return nil
	}
	if b.left.Add(-n) < 0 {
		return fmt.Errorf("%w of %d bytes", ErrBudget, b.limit)
	}
	return nil
}

// Reader charges what is read from r to the budget as it is read: the
// read fails as soon as the total is over the limit, so an input over it
// is never read whole.
func (b *Budget) Reader(r io.Reader) io.Reader {
	if b == nil {
		return r
	}
	return &budgetReader{r: r, b: b}
}

type budgetReader struct {
	r io.Reader
	b *Budget
}

func (br *budgetReader) Read(p []byte) (int, error) {
	if left := br.b.Left(); left < int64(len(p)) {
		p = p[:max(0, min(int64(len(p)), left+1))]
		if len(p) == 0 {
			return 0, br.b.Take(1)
		}
	}
	n, err := br.r.Read(p)
	if terr := br.b.Take(int64(n)); terr != nil {
		return 0, terr
	}
	return n, err
}

type budgetKey struct{}

// WithBudget returns ctx carrying b: the run's reads below it draw from b.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom is the budget ctx carries, or nil.
func BudgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}
