package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/vault"
	"github.com/cointally/cointally/web"
)

// webOptions are the web server's settings from serve's (or demo's) flags.
type webOptions struct {
	tls          bool
	trustProxy   bool
	syncInterval time.Duration
}

// newWebServer wires the web UI to this app: the store (which must also
// keep sessions), the Kraken connector and a syncer whose background syncs
// live as long as ctx. wait returns once those syncs have stopped after ctx
// is canceled; call it before closing the store.
func (a *app) newWebServer(ctx context.Context, o webOptions) (srv *web.Server, syncs *webSyncer, err error) {
	sessions := a.store
	ws := &webSyncer{a: a, s: a.syncer(), ctx: ctx, running: map[int64]*web.ProgressView{}}
	srv, err = web.New(web.Config{
		Store:        a.store,
		Sessions:     sessions,
		Connector:    &webConnector{a: a},
		Syncer:       ws,
		Logger:       a.log,
		Now:          a.env.now,
		SyncInterval: o.syncInterval,
		TLS:          o.tls,
		TrustProxy:   o.trustProxy,
		Reports:      newWebReports(ctx, a),
		Vault:        &webVault{a: a},
	})
	return srv, ws, err
}

// webConnector implements web.Connector with the Kraken client and the vault.
type webConnector struct{ a *app }

// webKeyPair checks the typed key pair's formats, as readKeyPair does for
// the command line. Messages name the half that is wrong, never its value.
func webKeyPair(k web.KeyInput) (keyPair, error) {
	invalid := func(msg string) error { return &cointally.Error{Kind: cointally.KindInvalid, Message: msg} }
	apiKey := strings.TrimSpace(k.APIKey)
	if apiKey == "" || strings.ContainsAny(apiKey, " \t\r\n") {
		return keyPair{}, invalid("The API key is malformed: copy it again from Kraken (the shorter, public one).")
	}
	if _, err := kraken.ParsePrivateKey(apiKey); err == nil {
		return keyPair{}, invalid("The API key looks like a private key: paste the API key in the first field and the private key in the second.")
	}
	sec, err := kraken.ParsePrivateKey(k.PrivateKey)
	if err != nil {
		return keyPair{}, invalid("The private key is malformed: " + userError(err).Error())
	}
	return keyPair{apiKey: apiKey, privateKey: sec}, nil
}

// audit tests the key and converts Kraken's audit into the web's view.
func (c *webConnector) audit(ctx context.Context, k web.KeyInput) (keyPair, *accountNonces, *kraken.Audit, error) {
	kp, nonces, _, audit, err := c.auditClient(ctx, k)
	return kp, nonces, audit, err
}

// auditClient is audit that also returns the client made with the key.
func (c *webConnector) auditClient(ctx context.Context, k web.KeyInput) (keyPair, *accountNonces, *kraken.Client, *kraken.Audit, error) {
	kp, err := webKeyPair(k)
	if err != nil {
		return keyPair{}, nil, nil, nil, err
	}
	nonces := &accountNonces{ctx: ctx, store: c.a.store}
	client, err := c.a.newKrakenClient(kp, k.Tier, nonces)
	if err != nil {
		return keyPair{}, nil, nil, nil, &cointally.Error{Kind: cointally.KindInvalid, Message: userError(err).Error()}
	}
	audit, err := kraken.AuditKey(ctx, client, kraken.AuditOptions{AllowRisky: k.AllowRisky, Now: c.a.env.now})
	if err != nil {
		return keyPair{}, nil, nil, nil, webKrakenError(err)
	}
	return kp, nonces, client, audit, nil
}

// webKrakenError turns a Kraken error into one the web shows in words.
func webKrakenError(err error) error {
	kind := cointally.KindUnavailable
	if keyRejected(err) || errors.Is(err, kraken.ErrPermissionDenied) {
		kind = cointally.KindUnauthorized
	}
	return &cointally.Error{Kind: kind, Message: kraken.UserMessage(err)}
}

func auditView(a *kraken.Audit) *web.AuditView {
	v := &web.AuditView{Method: a.Method, Problems: a.Problems, Warnings: a.Warnings, Notes: a.Notes, Risky: a.Risky, Refused: a.Refused}
	for _, c := range a.Checks {
		v.Rows = append(v.Rows, web.PermissionRow{Setting: c.Setting, Present: string(c.Present), Need: string(c.Need), Verdict: c.Verdict, OK: c.OK})
	}
	return v
}

func (c *webConnector) TestKey(ctx context.Context, k web.KeyInput) (*web.AuditView, error) {
	_, _, audit, err := c.audit(ctx, k)
	if err != nil {
		return nil, err
	}
	return auditView(audit), nil
}

func (c *webConnector) AddAccount(ctx context.Context, userID int64, k web.KeyInput) (*cointally.Account, *web.AuditView, error) {
	if _, err := c.a.store.Account(ctx, userID, k.Name); err == nil {
		return nil, nil, &cointally.Error{Kind: cointally.KindConflict, Message: fmt.Sprintf("You have an account named %q already: choose another name.", k.Name)}
	} else if !cointally.IsNotFound(err) {
		return nil, nil, err
	}
	kp, nonces, client, audit, err := c.auditClient(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	view := auditView(audit)
	if audit.Refused {
		return nil, view, &cointally.Error{Kind: cointally.KindInvalid, Message: "The key was not stored: " + strings.Join(audit.Problems, " ")}
	}
	now := c.a.env.now()
	acct := &cointally.Account{
		UserID: userID, Name: k.Name, Exchange: "kraken", KeyHint: vault.Hint(kp.apiKey), Tier: k.Tier,
		Permissions: audit.Permissions(), RiskAccepted: audit.Risky, Status: cointally.StatusOK,
		KeyAdded: now, KeyLastUsed: now,
	}
	cred, err := c.a.sealCredential(acct, kp, nonces.initial)
	if err != nil {
		return nil, view, err
	}
	if err := c.a.store.CreateAccount(ctx, acct, cred); err != nil {
		return nil, view, err
	}
	c.a.keepCounter(ctx, acct.ID, kp, client)
	return acct, view, nil
}

var _ web.KeyRotator = (*webConnector)(nil)

// RotateKey implements web.KeyRotator as `cointally account rotate` does:
// the new key must pass the audit and see some of the newest ledger
// entries stored for the account (a key of another Kraken account does
// not); then it replaces the sealed key and the account is ok again.
func (c *webConnector) RotateKey(ctx context.Context, accountID int64, k web.KeyInput) (*cointally.Account, *web.AuditView, error) {
	acct, err := c.a.store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	kp, nonces, client, audit, err := c.auditClient(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	view := auditView(audit)
	if audit.Refused {
		return nil, view, &cointally.Error{Kind: cointally.KindInvalid, Message: "The key was not stored: " + strings.Join(audit.Problems, " ")}
	}
	if err := sameAccount(ctx, c.a, acct, client); err != nil {
		if cointally.KindOf(err) == cointally.KindConflict {
			return nil, view, err
		}
		return nil, view, webKrakenError(err)
	}
	cred, err := c.a.sealCredential(acct, kp, nonces.initial)
	if err != nil {
		return nil, view, err
	}
	if err := c.a.store.PutCredential(ctx, cred); err != nil {
		return nil, view, err
	}
	c.a.keepCounter(ctx, acct.ID, kp, client)
	now := c.a.env.now()
	acct.KeyHint, acct.Tier, acct.Permissions = vault.Hint(kp.apiKey), k.Tier, audit.Permissions()
	acct.RiskAccepted = audit.Risky
	acct.KeyAdded, acct.KeyLastUsed = now, now
	acct.Status, acct.StatusReason = cointally.StatusOK, ""
	if err := c.a.store.UpdateAccount(ctx, acct); err != nil {
		return nil, view, err
	}
	return acct, view, nil
}

// webSyncer implements web.Syncer with the sync engine. Syncs started from
// the web run in the background under ctx (the server's lifetime).
type webSyncer struct {
	a   *app
	s   *ingest.Syncer
	ctx context.Context

	mu      sync.Mutex
	running map[int64]*web.ProgressView
	wg      sync.WaitGroup
}

func (w *webSyncer) SyncNow(_ context.Context, accountID int64) error {
	acct, err := w.a.store.AccountByID(w.ctx, accountID)
	if err != nil {
		return err
	}
	if !w.start(accountID) {
		return &cointally.Error{Kind: cointally.KindConflict, Message: "A sync of this account is running already."}
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if err := w.run(w.ctx, acct); err != nil && w.ctx.Err() == nil {
			w.a.log.Warn("web: sync failed", "account", acct.Name, "error", syncErrorText(err))
		}
	}()
	return nil
}

// Scheduled is the scheduler's sync of an account, with its progress shown
// live as for a sync started from the web. A sync already running from the
// web counts as this one.
func (w *webSyncer) Scheduled(ctx context.Context, acct *cointally.Account) error {
	if !w.start(acct.ID) {
		return nil
	}
	return w.run(ctx, acct)
}

// start marks the account's sync as running, unless it is already.
func (w *webSyncer) start(accountID int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running[accountID] != nil {
		return false
	}
	w.running[accountID] = &web.ProgressView{Running: true, Phase: "starting"}
	return true
}

// run syncs the account (marked running by start), recording its progress.
func (w *webSyncer) run(ctx context.Context, acct *cointally.Account) error {
	defer func() {
		w.mu.Lock()
		delete(w.running, acct.ID)
		w.mu.Unlock()
	}()
	_, err := w.s.Sync(ctx, acct, func(p ingest.Progress) {
		w.mu.Lock()
		w.running[acct.ID] = &web.ProgressView{Running: true, Stream: p.Stream, Phase: p.Phase,
			Items: p.Items, Added: p.Added, Total: p.Total, ETA: p.ETA}
		w.mu.Unlock()
	})
	return err
}

// wait waits for the background syncs to stop (after ctx is canceled).
func (w *webSyncer) wait() { w.wg.Wait() }

func (w *webSyncer) Progress(accountID int64) web.ProgressView {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p := w.running[accountID]; p != nil {
		return *p
	}
	return web.ProgressView{}
}

func (w *webSyncer) Reconcile(ctx context.Context, accountID int64) (*web.ReconcileView, error) {
	rep, err := w.s.Reconcile(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if len(rep.Accounts) != 1 {
		return nil, fmt.Errorf("reconcile: %d reports for one account", len(rep.Accounts))
	}
	return reconcileView(&rep.Accounts[0]), nil
}

func reconcileView(r *ingest.AccountReport) *web.ReconcileView {
	v := &web.ReconcileView{OK: r.OK, Summary: r.Summary, Entries: r.Entries, Skipped: r.Skipped, LiveAt: r.LiveAt}
	if c := r.Count; c != nil {
		v.Count = &web.CountView{Exchange: c.Exchange, Stored: c.Stored, Through: c.Through, OK: c.OK}
	}
	for _, ch := range r.Chains {
		base, _ := kraken.NormalizeAsset(ch.Asset)
		v.Chains = append(v.Chains, web.ChainView{Asset: ch.Asset, Base: base, Wallet: ch.Wallet,
			Entries: ch.Entries, Breaks: len(ch.Breaks), Ledger: ch.LedgerBalance, Live: ch.LiveBalance, Difference: ch.Difference})
	}
	return v
}

// demoPassword is 16 random characters for the demo user.
func demoPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
