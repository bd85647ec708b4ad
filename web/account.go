package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
)

// KeyRotator is implemented by a Connector that can give an existing
// account a new key. The account page offers rotation only when the
// Connector implements it.
type KeyRotator interface {
	// RotateKey audits the new key k (k.Name is ignored) and, if the audit
	// accepts it and the key reaches the same exchange account as the
	// stored history, replaces the account's key, clears a needs-new-key
	// status and returns the updated account. It returns the audit whenever
	// one was made. Errors as for Connector.AddAccount, plus KindConflict
	// when the key belongs to a different exchange account; KindNotFound if
	// the account does not exist.
	RotateKey(ctx context.Context, accountID int64, k KeyInput) (*cointally.Account, *AuditView, error)
}

// accountPages serves the account page and its actions. It keeps the last
// completeness proof of each account, because a reconciliation reads the
// whole ledger (seconds for a million entries).
type accountPages struct {
	s     *Server
	recon reconcileCache
	// Timing of the event streams (events.go); zero: the defaults.
	tick, heartbeat, life time.Duration
}

func newAccountPages(s *Server) *accountPages {
	p := &accountPages{s: s}
	p.recon = reconcileCache{compute: p.proof, m: map[int64]*reconEntry{}}
	return p
}

// accountProof is what the account page shows about the completeness of
// an account's stored history.
type accountProof struct {
	Reconcile *ReconcileView
	// Unknown are the first maxUnknown entries of a type cointally does
	// not know (kept out of the reports), UnknownCount all of them.
	Unknown      []*cointally.Entry
	UnknownCount int
}

// maxUnknown is how many unknown entries the account page lists.
const maxUnknown = 50

// proof reconciles the account and finds its unknown entries: both read
// the whole ledger, so the result is cached (reconcileCache).
func (p *accountPages) proof(ctx context.Context, accountID int64) (*accountProof, error) {
	rv, err := p.s.cfg.Syncer.Reconcile(ctx, accountID)
	if err != nil {
		return nil, err
	}
	pr := &accountProof{Reconcile: rv}
	err = p.s.cfg.Store.Entries(ctx, accountID, func(en *cointally.Entry) error {
		if en.Unknown {
			pr.UnknownCount++
			if len(pr.Unknown) < maxUnknown {
				en.Raw = nil
				pr.Unknown = append(pr.Unknown, en)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: finding unknown entries: %w", err)
	}
	return pr, nil
}

// accountData is the account page's data.
type accountData struct {
	Account  *cointally.Account
	Scope    scope
	Health   []string // key warnings in plain words
	NextSync time.Time
	Interval time.Duration
	Progress ProgressView
	Runs     []runView
	// Reconcile is the last completeness proof, nil while it is computed
	// (Checking) for the first time; Unknown and UnknownCount come with it.
	Reconcile    *ReconcileView
	Unknown      []*cointally.Entry
	UnknownCount int
	Checking     bool
	Stale        bool // a sync runs: the proof is from before it
	Error        string
	Notice       string
	// CanRotate: the connector can rotate keys (and the user may).
	CanRotate bool
	Rotate    rotateForm
	// Remove is set on the confirmation step of removing the account.
	Remove bool
	Tiers  []string
}

// rotateForm is the key rotation form. Like the add form it never holds
// the private key.
type rotateForm struct {
	Open       bool // show the form unfolded (after an action)
	APIKey     string
	Tier       string
	AllowRisky bool
	Tested     bool
	Audit      *AuditView
	Error      string
	Done       bool
}

type runView struct {
	cointally.SyncRun
	Took time.Duration
	// Explain says in plain words what the outcome means.
	Explain string
}

func explainRun(run cointally.SyncRun) string {
	switch run.Outcome {
	case cointally.OutcomeRunning:
		if run.Ended.IsZero() {
			return "This sync is running."
		}
	case cointally.OutcomeInterrupted:
		return "The server stopped during this sync; the next sync continues where it left off, nothing is lost."
	case cointally.OutcomeFailed:
		if len(run.Errors) == 0 {
			return "The sync stopped before it finished; the next sync continues where it left off."
		}
		return "The sync stopped before it finished (see below); the next sync continues where it left off."
	case cointally.OutcomeOK:
		if !run.Reconciled && run.Summary != "" {
			return "The sync finished, but the history does not reconcile yet."
		}
	}
	return ""
}

// interval returns the time between scheduled syncs of a: its own
// interval, else its owner's setting, else the server's default.
func (s *Server) interval(ctx context.Context, a *cointally.Account) time.Duration {
	if a.SyncInterval > 0 {
		return a.SyncInterval
	}
	if set, err := s.cfg.Store.Settings(ctx, a.UserID); err == nil {
		if v, err := cointally.CheckSetting(cointally.SettingSyncInterval, set[cointally.SettingSyncInterval]); err == nil && v != "" {
			if d, err := time.ParseDuration(v); err == nil {
				return d
			}
		}
	}
	return s.cfg.SyncInterval
}

func (p *accountPages) page(w http.ResponseWriter, r *http.Request) {
	a, sc, err := p.s.accountFor(r, false)
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, a, sc, func(d *accountData) {
		switch {
		case r.URL.Query().Get("rotated") != "":
			d.Notice = "The new key is stored and the old one is no longer used: delete the old key on Kraken (Settings → API)."
		case r.URL.Query().Get("removed") != "":
			d.Notice = "The key is removed; the imported history stays, read-only. Delete the key on Kraken too (Settings → API)."
		}
	})
}

// render shows the account page; mod fills the parts an action adds.
func (p *accountPages) render(w http.ResponseWriter, r *http.Request, status int, a *cointally.Account, sc scope, mod func(*accountData)) {
	s := p.s
	ctx := r.Context()
	data := accountData{Account: a, Scope: sc, Health: keyHealth(a, s.cfg.Now()), Progress: s.cfg.Syncer.Progress(a.ID), Tiers: tiers}
	_, data.CanRotate = s.cfg.Connector.(KeyRotator)
	data.CanRotate = data.CanRotate && !sc.ReadOnly
	data.Rotate.Tier = a.Tier
	if !validTier(data.Rotate.Tier) {
		data.Rotate.Tier = "starter"
	}
	data.Interval = s.interval(ctx, a)
	if data.Interval > 0 && !a.LastSync.IsZero() && a.Status == cointally.StatusOK {
		data.NextSync = a.LastSync.Add(data.Interval)
	}
	runs, err := s.cfg.Store.Runs(ctx, a.ID, 20)
	if err != nil {
		s.fail(w, r, fmt.Errorf("web: reading sync runs: %w", err))
		return
	}
	for _, run := range runs {
		rv := runView{SyncRun: run, Explain: explainRun(run)}
		if !run.Ended.IsZero() {
			rv.Took = run.Ended.Sub(run.Started).Round(time.Second)
		}
		data.Runs = append(data.Runs, rv)
	}
	version, err := s.cfg.Store.LedgerVersion(ctx, a.ID)
	if err != nil {
		s.fail(w, r, fmt.Errorf("web: reading the ledger version: %w", err))
		return
	}
	key := reconKey{version: version}
	if len(runs) > 0 {
		key.run, key.ended = runs[0].ID, runs[0].Ended
	}
	proof, fresh, err := p.recon.get(ctx, a.ID, key, data.Progress.Running, time.Second)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if proof != nil {
		data.Reconcile, data.Unknown, data.UnknownCount = proof.Reconcile, proof.Unknown, proof.UnknownCount
	}
	data.Checking, data.Stale = !fresh && !data.Progress.Running, !fresh && data.Progress.Running
	mod(&data)
	if data.Checking && status == http.StatusOK {
		w.Header().Set("Refresh", "3")
	}
	s.render(w, r, status, "account", data)
}

func (p *accountPages) sync(w http.ResponseWriter, r *http.Request) {
	a, _, err := p.s.accountFor(r, true)
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	if err := p.s.cfg.Syncer.SyncNow(r.Context(), a.ID); err != nil && cointally.KindOf(err) != cointally.KindConflict {
		p.s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, accountURL(a), http.StatusSeeOther)
}

// rotate tests (action "test") or stores (action "save") a new key for
// the account. The private key is never sent back.
func (p *accountPages) rotate(w http.ResponseWriter, r *http.Request) {
	s := p.s
	a, sc, err := s.accountFor(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rot, ok := s.cfg.Connector.(KeyRotator)
	if !ok {
		s.fail(w, r, &cointally.Error{Kind: cointally.KindUnavailable, Message: "This server cannot replace keys."})
		return
	}
	k := KeyInput{
		Name:       a.Name,
		APIKey:     strings.TrimSpace(r.PostFormValue("api_key")),
		PrivateKey: strings.TrimSpace(r.PostFormValue("private_key")),
		Tier:       r.PostFormValue("tier"),
		AllowRisky: r.PostFormValue("allow_risky") == "on",
	}
	form := rotateForm{Open: true, APIKey: k.APIKey, Tier: k.Tier, AllowRisky: k.AllowRisky, Tested: k.PrivateKey != ""}
	show := func(status int) {
		p.render(w, r, status, a, sc, func(d *accountData) { d.Rotate = form })
	}
	bad := func(status int, msg string) {
		form.Error = msg
		show(status)
	}
	if !validTier(k.Tier) {
		bad(http.StatusBadRequest, "Choose your Kraken verification tier.")
		return
	}
	if k.APIKey == "" || k.PrivateKey == "" {
		bad(http.StatusBadRequest, "Paste both the new API key and its private key.")
		return
	}
	if r.PostFormValue("action") == "test" {
		audit, err := s.cfg.Connector.TestKey(r.Context(), k)
		if err != nil {
			s.connectorError(w, r, err, bad)
			return
		}
		form.Audit = audit
		show(http.StatusOK)
		return
	}
	updated, audit, err := rot.RotateKey(r.Context(), a.ID, k)
	if err != nil {
		form.Audit = audit
		s.connectorError(w, r, err, bad)
		return
	}
	s.log.Info("web: key rotated", "account", a.ID)
	http.Redirect(w, r, accountURL(updated)+"?rotated=1", http.StatusSeeOther)
}

// remove asks for confirmation, then removes the account's key and,
// unless the user keeps it, its data.
func (p *accountPages) remove(w http.ResponseWriter, r *http.Request) {
	s := p.s
	a, sc, err := s.accountFor(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		p.render(w, r, http.StatusOK, a, sc, func(d *accountData) { d.Remove = true })
		return
	}
	var keep bool
	switch r.PostFormValue("data") {
	case "keep":
		keep = true
	case "delete":
	default:
		p.render(w, r, http.StatusBadRequest, a, sc, func(d *accountData) {
			d.Remove = true
			d.Error = "Choose whether to keep the imported history."
		})
		return
	}
	if p.s.cfg.Syncer.Progress(a.ID).Running {
		p.render(w, r, http.StatusConflict, a, sc, func(d *accountData) {
			d.Error = "A sync of this account is running: wait for it to finish, then remove the account."
		})
		return
	}
	if err := s.cfg.Store.DeleteAccount(r.Context(), a.ID, keep); err != nil {
		s.fail(w, r, fmt.Errorf("web: removing account %d: %w", a.ID, err))
		return
	}
	p.recon.forget(a.ID)
	s.log.Info("web: account removed", "account", a.ID, "kept_data", keep)
	if keep {
		http.Redirect(w, r, accountURL(a)+"?removed=key", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/?removed=account", http.StatusSeeOther)
}

// progress answers the page's poll with the running sync's state.
func (p *accountPages) progress(w http.ResponseWriter, r *http.Request) {
	a, _, err := p.s.accountFor(r, false)
	if err != nil {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	pv := p.s.cfg.Syncer.Progress(a.ID)
	pv.Text, pv.Percent = progressText(pv)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(pv)
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

// reconcileCache keeps each account's last completeness proof with what it
// was computed from; a proof is recomputed, once, when the ledger or the
// latest run changes.
type reconcileCache struct {
	compute func(ctx context.Context, accountID int64) (*accountProof, error)
	mu      sync.Mutex
	m       map[int64]*reconEntry
}

// reconKey is what a proof depends on: the stored ledger and the live
// balances of the latest run.
type reconKey struct {
	version int64
	run     int64
	ended   time.Time
}

type reconEntry struct {
	view *accountProof // the last proof computed (perhaps for an older key)
	err  error
	// pending is closed when the running computation ends; nil when none
	// runs.
	pending chan struct{}
	have    reconKey
	ok      bool // view is for have
}

// reconTimeout bounds one reconciliation run in the background.
const reconTimeout = 5 * time.Minute

// get returns the proof for key. If it must be computed, that starts in
// the background (at most one computation per account) and get waits up to
// wait for it; then it returns the last proof it has (possibly nil) with
// fresh false. With hold set (a sync runs, the ledger is changing) it
// returns the last proof without recomputing, unless there is none.
func (c *reconcileCache) get(ctx context.Context, accountID int64, key reconKey, hold bool, wait time.Duration) (*accountProof, bool, error) {
	c.mu.Lock()
	e := c.m[accountID]
	if e == nil {
		e = &reconEntry{}
		c.m[accountID] = e
	}
	if e.ok && e.have == key {
		v := e.view
		c.mu.Unlock()
		return v, true, nil
	}
	if hold && e.view != nil {
		v := e.view
		c.mu.Unlock()
		return v, false, nil
	}
	if e.pending == nil {
		done := make(chan struct{})
		e.pending = done
		go func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reconTimeout)
			defer cancel()
			v, err := c.compute(cctx, accountID)
			c.mu.Lock()
			if err == nil {
				e.view, e.have, e.ok, e.err = v, key, true, nil
			} else {
				e.err = err
			}
			e.pending = nil
			c.mu.Unlock()
			close(done)
		}()
	}
	pending := e.pending
	c.mu.Unlock()
	select {
	case <-pending:
	case <-time.After(wait):
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.ok && e.have == key {
		return e.view, true, nil
	}
	if e.err != nil && e.pending == nil {
		err := e.err
		e.err = nil
		return e.view, false, fmt.Errorf("web: reconciling account %d: %w", accountID, err)
	}
	return e.view, false, nil
}

// forget drops the account's proof (after the account is removed).
func (c *reconcileCache) forget(accountID int64) {
	c.mu.Lock()
	delete(c.m, accountID)
	c.mu.Unlock()
}
