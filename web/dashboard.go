package web

import (
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/cointally/cointally"
)

// The dashboard does no heavy work per request: the figures come from
// Reports.Portfolio (computed in the background and cached by the
// implementation) and each account's completeness verdict from its last
// finished sync run, as recorded in the store; the page never reconciles.

// dashboardData is the dashboard's data.
type dashboardData struct {
	Scope     scope
	Accounts  []dashAccount
	Warnings  []string
	Portfolio *PortfolioView // nil without Reports
	// Refresh is the seconds after which the page reloads itself while
	// the figures are computed (0: no reload).
	Refresh int
	Figures dashFigures
	Value   LineChart
	Alloc   Donut
	// ValueSVG and AllocSVG are the charts drawn.
	ValueSVG, AllocSVG template.HTML
	Holdings           []holdingRow
}

// dashCharts are a portfolio's charts, drawn once.
type dashCharts struct {
	value              LineChart
	alloc              Donut
	valueSVG, allocSVG template.HTML
}

// chartCache keeps the charts of the portfolios shown lately: a view from
// Reports does not change (a new computation is a new view), and drawing a
// long history is most of a dashboard request's work.
type chartCache struct {
	mu sync.Mutex
	m  map[*PortfolioView]*dashCharts
}

// maxCachedCharts bounds chartCache: a few portfolios per active user.
const maxCachedCharts = 64

func (c *chartCache) get(p *PortfolioView) *dashCharts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch := c.m[p]; ch != nil {
		return ch
	}
	ch := &dashCharts{value: newLineChart(p.History, p.Currency), alloc: newDonut(p.Holdings, p.Currency)}
	ch.valueSVG, ch.allocSVG = ch.value.SVG(), ch.alloc.SVG()
	if c.m == nil || len(c.m) >= maxCachedCharts {
		c.m = map[*PortfolioView]*dashCharts{} // the old views are mostly stale
	}
	c.m[p] = ch
	return ch
}

// holdingRow is one line of the holdings table, formatted exactly.
type holdingRow struct {
	Asset, Quantity, Cost, Value, Unrealised, Percent, Source string
	HasValue, Loss                                            bool
}

// dashFigures are the headline numbers, formatted exactly.
type dashFigures struct {
	Total, Realised, Unrealised, Income string
	RealisedNeg, UnrealisedNeg          bool
}

type dashAccount struct {
	*cointally.Account
	// Checked is false until a sync run has finished with a verdict.
	Checked    bool
	Reconciled bool
	Summary    string
	CheckedAt  time.Time
	Running    bool
}

// defaultCurrency is the report currency when the user chose none.
const defaultCurrency = "EUR"

// userCurrency is the user's report currency setting, or the default.
func (s *Server) userCurrency(r *http.Request, userID int64) (string, error) {
	set, err := s.cfg.Store.Settings(r.Context(), userID)
	if err != nil {
		return "", fmt.Errorf("web: reading settings: %w", err)
	}
	if c, err := cointally.CheckSetting(cointally.SettingCurrency, set[cointally.SettingCurrency]); err == nil && c != "" {
		return c, nil
	}
	return defaultCurrency, nil
}

// lastVerdict returns the account's most recent finished sync run that
// recorded a reconciliation verdict, or nil.
func (s *Server) lastVerdict(r *http.Request, accountID int64) (*cointally.SyncRun, error) {
	runs, err := s.cfg.Store.Runs(r.Context(), accountID, 10)
	if err != nil {
		return nil, fmt.Errorf("web: reading sync runs: %w", err)
	}
	for i := range runs {
		if run := &runs[i]; !run.Ended.IsZero() && run.Summary != "" {
			return run, nil
		}
	}
	return nil, nil
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	sc, err := s.scopeOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	owner := sc.OwnerID()
	accts, err := s.cfg.Store.Accounts(ctx, owner)
	if err != nil {
		s.fail(w, r, fmt.Errorf("web: listing accounts: %w", err))
		return
	}
	data := dashboardData{Scope: sc}
	now := s.cfg.Now()
	for _, a := range accts {
		da := dashAccount{Account: a, Running: s.cfg.Syncer.Progress(a.ID).Running}
		run, err := s.lastVerdict(r, a.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if run != nil {
			da.Checked, da.Reconciled, da.Summary, da.CheckedAt = true, run.Reconciled, run.Summary, run.Ended
			if !run.Reconciled {
				data.Warnings = append(data.Warnings, a.Name+": the history does not reconcile ("+run.Summary+").")
			}
		}
		for _, h := range keyHealth(a, now) {
			data.Warnings = append(data.Warnings, a.Name+": "+h)
		}
		data.Accounts = append(data.Accounts, da)
	}
	if rep := s.cfg.Reports; rep != nil && len(accts) > 0 {
		cur, err := s.userCurrency(r, owner)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := rep.Portfolio(ctx, owner, cur)
		if err != nil {
			s.fail(w, r, fmt.Errorf("web: portfolio: %w", err))
			return
		}
		data.Portfolio = p
		switch {
		case p.Error != "":
		case !p.Ready:
			data.Refresh = 3
		default:
			// The account verdicts above are fresher than the portfolio's
			// (cached until the ledger changes): a warning already listed
			// is not repeated.
			seen := map[string]bool{}
			for _, w := range data.Warnings {
				seen[w] = true
			}
			for _, w := range p.Warnings {
				if !seen[w] {
					seen[w] = true
					data.Warnings = append(data.Warnings, w)
				}
			}
			data.Figures = dashFigures{
				Total:         moneyLabel(p.Total, p.Currency, 2),
				Realised:      moneyLabel(p.Realised, p.Currency, 2),
				Unrealised:    moneyLabel(p.Unrealised, p.Currency, 2),
				Income:        moneyLabel(p.Income, p.Currency, 2),
				RealisedNeg:   p.Realised.IsNegative(),
				UnrealisedNeg: p.Unrealised.IsNegative(),
			}
			ch := s.charts.get(p)
			data.Value, data.Alloc, data.ValueSVG, data.AllocSVG = ch.value, ch.alloc, ch.valueSVG, ch.allocSVG
			for _, h := range p.Holdings {
				row := holdingRow{Asset: h.Asset, Quantity: h.Quantity.String(), Cost: moneyLabel(h.Cost, p.Currency, 2),
					HasValue: h.HasValue, Source: h.Source}
				if h.HasValue {
					row.Value = moneyLabel(h.Value, p.Currency, 2)
					row.Unrealised = moneyLabel(h.Unrealised, p.Currency, 2)
					row.Percent = h.Percent.StringFixed(2) + "%"
					row.Loss = h.Unrealised.IsNegative()
				}
				data.Holdings = append(data.Holdings, row)
			}
		}
	}
	if data.Refresh > 0 {
		w.Header().Set("Refresh", fmt.Sprint(data.Refresh))
	}
	s.render(w, r, http.StatusOK, "dashboard", data)
}
