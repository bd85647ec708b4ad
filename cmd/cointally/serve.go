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
// serves HTTP on --listen (loopback by default): /healthz now, the web UI
// as it lands.
func runServe(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("serve", e)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	interval := fs.Duration("sync-interval", ingest.DefaultInterval, "default time between syncs of an account")
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
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sched := &ingest.Scheduler{
		Syncer:   a.syncer(),
		Accounts: func(ctx context.Context) ([]*cointally.Account, error) { return a.store.Accounts(ctx, a.user.ID) },
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
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	fmt.Fprintf(e.stdout, "cointally serving on http://%s (syncing every %s)\n", ln.Addr(), *interval)
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
