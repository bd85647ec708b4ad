package web

import (
	"net/http"
	"sort"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

type dashboardData struct {
	Accounts []dashAccount
	Totals   []assetTotal
	Warnings []string
}

type dashAccount struct {
	*cointally.Account
	Reconciled bool
	Summary    string
	Running    bool
}

type assetTotal struct {
	Asset   string
	Amount  money.Amount
	Holders int // accounts holding it
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := reqOf(r).user
	accts, err := s.cfg.Store.Accounts(ctx, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var data dashboardData
	sums := map[string]*assetTotal{}
	now := s.cfg.Now()
	for _, a := range accts {
		rep, err := s.cfg.Syncer.Reconcile(ctx, a.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.Accounts = append(data.Accounts, dashAccount{Account: a, Reconciled: rep.OK, Summary: rep.Summary,
			Running: s.cfg.Syncer.Progress(a.ID).Running})
		if !rep.OK && rep.Entries > 0 {
			data.Warnings = append(data.Warnings, a.Name+": the history does not reconcile yet ("+rep.Summary+").")
		}
		for _, h := range keyHealth(a, now) {
			data.Warnings = append(data.Warnings, a.Name+": "+h)
		}
		held := map[string]bool{}
		for _, c := range rep.Chains {
			base := c.Base
			if base == "" {
				base = c.Asset
			}
			t := sums[base]
			if t == nil {
				t = &assetTotal{Asset: base}
				sums[base] = t
			}
			t.Amount = t.Amount.Add(c.Ledger)
			if !held[base] && !c.Ledger.IsZero() {
				held[base] = true
				t.Holders++
			}
		}
	}
	for _, t := range sums {
		if !t.Amount.IsZero() {
			data.Totals = append(data.Totals, *t)
		}
	}
	sort.Slice(data.Totals, func(i, j int) bool { return data.Totals[i].Asset < data.Totals[j].Asset })
	s.render(w, r, http.StatusOK, "dashboard", data)
}
