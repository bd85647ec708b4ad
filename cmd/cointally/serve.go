package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/ingest"
)

// runServe syncs every account on its schedule until interrupted, and
// serves the web UI and /healthz on --listen (loopback by default). With
// --tls-cert and --tls-key it serves HTTPS; behind a reverse proxy that
// terminates TLS, --trust-proxy makes it believe X-Forwarded-Proto and
// X-Forwarded-For (for Secure cookies and the login throttle).
func runServe(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("serve", e)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	interval := fs.Duration("sync-interval", ingest.DefaultInterval, "default time between syncs of an account")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate file (PEM)")
	tlsKey := fs.String("tls-key", "", "the private key file (PEM) of --tls-cert")
	trustProxy := fs.Bool("trust-proxy", false, "trust X-Forwarded-Proto and X-Forwarded-For from a reverse proxy (set only when every request comes through one)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return a.serveUI(ctx, ln, serveOptions{
		web:     webOptions{tls: *tlsCert != "", trustProxy: *trustProxy, syncInterval: *interval},
		tlsCert: *tlsCert, tlsKey: *tlsKey,
		started: func(url string) {
			fmt.Fprintf(e.stdout, "cointally serving on %s (syncing every %s)\n", url, *interval)
			if open, _ := anyLogin(ctx, a); !open {
				fmt.Fprintln(e.stdout, "Nobody can log in yet: open /setup from this machine, or run: cointally user add NAME --admin")
			}
		},
	})
}

// serveOptions are what serveUI needs beyond the app.
type serveOptions struct {
	web             webOptions
	tlsCert, tlsKey string // HTTPS when set
	// started is called once the server listens, with its URL.
	started func(url string)
	// sweepEvery is the time between deletions of ended sessions (default
	// web.DefaultSweepInterval).
	sweepEvery time.Duration
}

// serveUI serves the web UI (and /healthz) on ln, runs the sync scheduler
// over every user's accounts and deletes ended sessions on a timer, until
// ctx is canceled or serving fails. On the way out it stops the server,
// the scheduler, the sweeper and the syncs started from the web, and waits
// for them all, so the store can be closed after it returns.
func (a *app) serveUI(ctx context.Context, ln net.Listener, o serveOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ui, syncs, err := a.newWebServer(ctx, o.web)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer syncs.wait() // before the store closes
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	mux.Handle("/", ui)
	// Requests live under ctx: on the way out, long requests (event
	// streams of a sync's progress) end at once instead of holding up the
	// shutdown.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	stderr := a.env.stderr
	// Every user's accounts are synced (the default account list), each
	// on its own interval, else its owner's setting, else --sync-interval.
	sched := &ingest.Scheduler{
		Syncer:   a.syncer(),
		Sync:     syncs.Scheduled, // its progress shows live in the UI
		Interval: o.web.syncInterval,
		Accounts: func(ctx context.Context) ([]*cointally.Account, error) { return scheduledAccounts(ctx, a.store) },
		Logger:   a.log,
		OnSync: func(acct *cointally.Account, err error) {
			if err != nil && ctx.Err() == nil {
				fmt.Fprintf(stderr, "cointally: sync of %s failed: %s\n", acct.Name, syncErrorText(err))
			}
		},
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	errc := make(chan error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errc <- sched.Run(ctx) }()
	go func() { defer wg.Done(); _ = ui.SweepSessions(ctx, o.sweepEvery) }()
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
	}
	go func() {
		var err error
		if o.tlsCert != "" {
			err = srv.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	if o.started != nil {
		o.started(scheme + "://" + ln.Addr().String())
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = srv.Shutdown(sctx)
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("serve: %w", runErr)
	}
	return nil
}

// scheduledAccounts lists every account for the scheduler; an account
// without its own interval gets its owner's sync-interval setting, if any
// (see userSyncInterval), else the scheduler's default.
func scheduledAccounts(ctx context.Context, st cointally.Store) ([]*cointally.Account, error) {
	accts, err := st.AllAccounts(ctx)
	if err != nil {
		return nil, err
	}
	intervals := map[int64]time.Duration{}
	for _, acct := range accts {
		if acct.SyncInterval > 0 {
			continue
		}
		iv, seen := intervals[acct.UserID]
		if !seen {
			iv = userSyncInterval(ctx, st, acct.UserID, 0)
			intervals[acct.UserID] = iv
		}
		acct.SyncInterval = iv
	}
	return accts, nil
}

// anyLogin reports whether some user has a password.
func anyLogin(ctx context.Context, a *app) (bool, error) {
	users, err := a.store.Users(ctx)
	if err != nil {
		return false, err
	}
	for _, u := range users {
		if u.PasswordHash != "" {
			return true, nil
		}
	}
	return false, nil
}
