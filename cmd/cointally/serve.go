package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ui, waitSyncs, err := a.newWebServer(ctx, webOptions{tls: *tlsCert != "", trustProxy: *trustProxy, syncInterval: *interval})
	if err != nil {
		return err
	}
	defer waitSyncs() // before the store closes
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	mux.Handle("/", ui)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Every user's accounts are synced (the default account list).
	sched := &ingest.Scheduler{
		Syncer:   a.syncer(),
		Interval: *interval,
		Logger:   a.log,
		OnSync: func(acct *cointally.Account, err error) {
			if err != nil {
				fmt.Fprintf(e.stderr, "cointally: sync of %s failed: %s\n", acct.Name, syncErrorText(err))
			}
		},
	}
	errc := make(chan error, 2)
	go func() { errc <- sched.Run(ctx) }()
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	go func() {
		var err error
		if *tlsCert != "" {
			err = srv.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	fmt.Fprintf(e.stdout, "cointally serving on %s://%s (syncing every %s)\n", scheme, ln.Addr(), *interval)
	if open, _ := anyLogin(ctx, a); !open {
		fmt.Fprintln(e.stdout, "Nobody can log in yet: open /setup from this machine, or run: cointally user add NAME --admin")
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
