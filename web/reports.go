package web

import (
	"context"
	"io"
	"time"

	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/report"
)

// Reports computes what the dashboard and the tax page show for a user:
// valuations, gains and income over all of the user's accounts. Computing
// them for a large history takes seconds, so an implementation caches the
// results per user and query until the ledger changes (see
// cointally.LedgerStore.LedgerVersion), computes in the background, and
// answers at once with Ready false while it works. Results for one user are
// never shown to another: callers pass the user whose data is read (the
// owner, when a viewer reads through a grant).
type Reports interface {
	// Portfolio returns the user's portfolio valued in currency.
	Portfolio(ctx context.Context, userID int64, currency string) (*PortfolioView, error)
	// Tax returns the gains of q.Year under q.Method, the year's income and
	// the comparison of methods, in q.Currency.
	Tax(ctx context.Context, userID int64, q TaxQuery) (*TaxView, error)
	// TaxExport writes one export of the year as CSV: "disposals", "8949",
	// "uk" (UK capital gains summary), "audit" (every lot match with ledger
	// IDs) or "income". KindInvalid for another kind.
	TaxExport(ctx context.Context, userID int64, q TaxQuery, kind string, w io.Writer) error
}

// TaxQuery selects a tax report. Method is fifo, lifo, hifo, average or uk
// (for uk, Year is the tax year from 6 April Year).
type TaxQuery struct {
	Year     int
	Method   string
	Currency string
}

// PortfolioView is the dashboard's data. Fields may be added; none is
// renamed or removed.
type PortfolioView struct {
	// Ready is false while the figures are being computed; Status then
	// says what is happening ("valuing 120,000 events") and the page
	// refreshes. Error, when not empty, says in words why they cannot be
	// computed.
	Ready    bool
	Status   string
	Error    string
	Currency string
	AsOf     time.Time // when the figures were computed
	Total    money.Amount
	// Holdings per asset (suffixed and staked variants folded into the
	// coin), largest value first.
	Holdings   []HoldingView
	History    []ValuePoint // the total value at the end of each day, oldest first
	Year       int          // the current calendar year
	Realised   money.Amount // realised gain this year (default method)
	Unrealised money.Amount // over all holdings
	Income     money.Amount // income this year
	// Warnings say what makes the figures uncertain: quarantined entries
	// (with the value involved), missing prices, unreconciled accounts.
	Warnings []string
}

// HoldingView is one asset of a portfolio.
type HoldingView struct {
	Asset      string
	Quantity   money.Amount
	Cost       money.Amount
	Value      money.Amount
	Unrealised money.Amount
	Percent    money.Amount // share of the total value, 0-100, 2 places
	HasValue   bool         // false when no price is known
	Source     string       // how it was priced
}

// ValuePoint is the value of the portfolio at the end of a day (UTC).
type ValuePoint struct {
	Day   time.Time
	Value money.Amount
}

// TaxView is the tax page's data. Fields may be added; none is renamed or
// removed.
type TaxView struct {
	Ready  bool
	Status string
	Error  string
	Query  TaxQuery
	Gains  *report.Gains
	Income *report.Income
	// Compare is the year's totals under every method.
	Compare *report.Comparison
	// Years with any activity, newest first, for the year selector.
	Years []int
}
