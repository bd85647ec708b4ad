package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
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
func (a *app) newWebServer(ctx context.Context, o webOptions) (srv *web.Server, wait func(), err error) {
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
	})
	return srv, ws.wait, err
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
	kp, err := webKeyPair(k)
	if err != nil {
		return keyPair{}, nil, nil, err
	}
	nonces := &accountNonces{ctx: ctx, store: c.a.store}
	client, err := c.a.newKrakenClient(kp, k.Tier, nonces)
	if err != nil {
		return keyPair{}, nil, nil, &cointally.Error{Kind: cointally.KindInvalid, Message: userError(err).Error()}
	}
	audit, err := kraken.AuditKey(ctx, client, kraken.AuditOptions{AllowRisky: k.AllowRisky, Now: c.a.env.now})
	if err != nil {
		kind := cointally.KindUnavailable
		if keyRejected(err) || errors.Is(err, kraken.ErrPermissionDenied) {
			kind = cointally.KindUnauthorized
		}
		return keyPair{}, nil, nil, &cointally.Error{Kind: kind, Message: kraken.UserMessage(err)}
	}
	return kp, nonces, audit, nil
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
	kp, nonces, audit, err := c.audit(ctx, k)
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
	w.mu.Lock()
	if w.running[accountID] != nil {
		w.mu.Unlock()
		return &cointally.Error{Kind: cointally.KindConflict, Message: "A sync of this account is running already."}
	}
	w.running[accountID] = &web.ProgressView{Running: true, Phase: "starting"}
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		_, err := w.s.Sync(w.ctx, acct, func(p ingest.Progress) {
			w.mu.Lock()
			w.running[accountID] = &web.ProgressView{Running: true, Stream: p.Stream, Phase: p.Phase,
				Items: p.Items, Added: p.Added, Total: p.Total, ETA: p.ETA}
			w.mu.Unlock()
		})
		if err != nil && w.ctx.Err() == nil {
			w.a.log.Warn("web: sync failed", "account", acct.Name, "error", syncErrorText(err))
		}
		w.mu.Lock()
		delete(w.running, accountID)
		w.mu.Unlock()
	}()
	return nil
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

// serveDemoUI gives the demo's local user (the owner of the sample
// account) a random password, prints it, and serves the web UI on listen
// until ctx is canceled ("Sync now" on the account page syncs it again).
func serveDemoUI(ctx context.Context, e *env, listen string) error {
	cfg, err := (&commonFlags{dataDir: new(string), db: new(string)}).resolve(e)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.Close()
	pw := demoPassword()
	hash, err := web.HashPassword(pw, web.PasswordParams{})
	if err != nil {
		return err
	}
	a.user.PasswordHash = hash
	if err := a.store.UpdateUser(ctx, a.user); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ui, waitSyncs, err := a.newWebServer(ctx, webOptions{syncInterval: ingest.DefaultInterval})
	if err != nil {
		return err
	}
	defer waitSyncs()
	srv := &http.Server{Handler: ui, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(e.stdout, "The web UI is at http://%s — log in as %s with password %s\n", ln.Addr(), a.user.Name, pw)
	fmt.Fprintln(e.stdout, "(a password for this demo only; press Ctrl-C to stop)")
	<-ctx.Done()
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// demoPassword is 16 random characters for the demo user.
func demoPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
