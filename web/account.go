package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cointally/cointally"
)

// accountData is the account page's data.
type accountData struct {
	Account   *cointally.Account
	Health    []string // key warnings in plain words
	NextSync  time.Time
	Progress  ProgressView
	Runs      []runView
	Reconcile *ReconcileView
	Error     string
}

type runView struct {
	cointally.SyncRun
	Took time.Duration
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	data := accountData{Account: a, Health: keyHealth(a, s.cfg.Now()), Progress: s.cfg.Syncer.Progress(a.ID)}
	if s.cfg.SyncInterval > 0 && !a.LastSync.IsZero() && a.Status == cointally.StatusOK {
		iv := s.cfg.SyncInterval
		if a.SyncInterval > 0 {
			iv = a.SyncInterval
		}
		data.NextSync = a.LastSync.Add(iv)
	}
	runs, err := s.cfg.Store.Runs(ctx, a.ID, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, run := range runs {
		rv := runView{SyncRun: run}
		if !run.Ended.IsZero() {
			rv.Took = run.Ended.Sub(run.Started).Round(time.Second)
		}
		data.Runs = append(data.Runs, rv)
	}
	if data.Reconcile, err = s.cfg.Syncer.Reconcile(ctx, a.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account", data)
}

func (s *Server) accountSync(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.cfg.Syncer.SyncNow(r.Context(), a.ID); err != nil && cointally.KindOf(err) != cointally.KindConflict {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, accountURL(a), http.StatusSeeOther)
}

// accountProgress answers the page's poll with the running sync's state.
func (s *Server) accountProgress(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountOf(r)
	if err != nil {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	p := s.cfg.Syncer.Progress(a.ID)
	p.Text, p.Percent = progressText(p)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(p)
}

func progressText(p ProgressView) (string, int) {
	if !p.Running {
		return "No sync is running.", -1
	}
	pct := -1
	if p.Total > 0 {
		pct = min(100, p.Items*100/p.Total)
	}
	txt := fmt.Sprintf("Syncing %s: %s, %d items", p.Stream, p.Phase, p.Items)
	if p.Total > 0 {
		txt += fmt.Sprintf(" of %d", p.Total)
	}
	if p.Added > 0 {
		txt += fmt.Sprintf(" (%d new)", p.Added)
	}
	if p.ETA > 0 {
		txt += fmt.Sprintf(", about %s left", p.ETA.Round(time.Second))
	}
	return txt + ".", pct
}

// keyHealth lists what needs attention about an account's key.
func keyHealth(a *cointally.Account, now time.Time) []string {
	var out []string
	switch a.Status {
	case cointally.StatusNeedsNewKey:
		out = append(out, "Kraken no longer accepts this key: create a new read-only key and replace it. "+a.StatusReason)
	case cointally.StatusError:
		out = append(out, "The last sync failed: "+a.StatusReason)
	case cointally.StatusNoKey:
		out = append(out, "This account has no API key; it is fed by file imports only.")
	}
	if a.RiskAccepted {
		out = append(out, "The key can do more than read (withdraw, trade or move funds): replace it with a read-only key.")
	}
	if !a.KeyAdded.IsZero() && now.Sub(a.KeyAdded) > 90*24*time.Hour {
		out = append(out, fmt.Sprintf("The key is %d days old: consider replacing it.", int(now.Sub(a.KeyAdded).Hours()/24)))
	}
	return out
}
