package main

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/web"
)

// Demo settings: an account with about two years of history on an
// in-process emulator, with a read-only key that may also export (so the
// first import takes the fast export path) and a fast custom rate tier, so
// the demo takes seconds.
const (
	demoAccount = "demo"
	demoKey     = "cointally-demo-read-only-key"
	demoTier    = "60:30"
	demoEntries = 6000
)

func demoSecret() string {
	sum := sha512.Sum512([]byte("cointally demo key: not a real Kraken secret"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// demoDays is the length of the demo's history, ending yesterday: within
// the 720 daily candles Kraken's OHLC serves, so the dashboard values every
// day from one market-data request per pair instead of one per pair and
// day (at Kraken's pace of one public request a second).
const demoDays = 700

func demoScenario(now time.Time) *krakensim.Scenario {
	yes := true
	today := now.UTC().Truncate(24 * time.Hour)
	from, to := today.AddDate(0, 0, -demoDays), today.AddDate(0, 0, -1)
	return &krakensim.Scenario{
		Seed:          42,
		RateLimit:     &krakensim.RateLimitSpec{Max: "60", DecayPerSec: "30"},
		GetAPIKeyInfo: &yes,
		ExportDelay:   krakensim.Duration(3 * time.Second),
		Accounts: []krakensim.AccountSpec{{
			ID:      demoAccount,
			History: &krakensim.HistoryConfig{Entries: demoEntries, From: from.Format(time.RFC3339), To: to.Format(time.RFC3339)},
			Keys: []krakensim.KeySpec{{Key: demoKey, Secret: demoSecret(), Name: "cointally demo",
				Permissions: []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger", "export-data"}}},
		}},
	}
}

// runDemo starts an in-process krakensim with a sample account, connects
// it with a read-only key, syncs it with a progress bar, and prints the
// balances and the completeness proof. It needs no network and no setup:
// unless --data-dir is given it works in a new temporary directory.
func runDemo(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("demo", e)
	keep := fs.Bool("keep", false, "keep the temporary data directory")
	serve := fs.String("serve", "auto", "serve the web UI after the demo until interrupted: yes, no, or auto (when run from a terminal)")
	listen := fs.String("listen", "127.0.0.1:8080", "address of the web UI with --serve")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	var serveUI bool
	switch *serve {
	case "yes", "true":
		serveUI = true
	case "no", "false":
	case "auto":
		serveUI = e.stdinIsTerminal()
	default:
		return errors.New("demo: --serve takes yes, no or auto")
	}
	dataDir := *cf.dataDir
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "cointally-demo-")
		if err != nil {
			return err
		}
		dataDir = dir
		if !*keep {
			defer os.RemoveAll(dir)
		}
	}
	sim, err := krakensim.New(demoScenario(e.now()))
	if err != nil {
		return fmt.Errorf("demo: starting the emulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "cointally demo: an emulated Kraken account (krakensim at %s) with %d ledger entries over the last %d days.\n", url, demoEntries, demoDays)
	fmt.Fprintf(e.stdout, "Data directory: %s\n\n", dataDir)

	// The demo drives the same commands a user runs, with its own
	// environment: the emulator's address and the demo's data directory.
	de := *e
	de.getenv = func(k string) string {
		switch k {
		case "COINTALLY_KRAKEN_URL":
			return url
		case "COINTALLY_DATA_DIR":
			return dataDir
		case "COINTALLY_DB":
			return ""
		}
		return e.getenv(k)
	}
	de.stdinIsTerminal = func() bool { return false }
	steps := []struct {
		title string
		stdin string
		args  []string
	}{
		{"Connecting the account with a read-only key (the key pair is read from stdin, never from flags)",
			demoKey + "\n" + demoSecret() + "\n",
			[]string{"account", "add", "kraken", "--name", demoAccount, "--tier", demoTier}},
		{"Importing the whole history", "", []string{"sync"}},
		{"Balances from the imported ledger", "", []string{"balances"}},
		{"Completeness proof", "", []string{"reconcile"}},
	}
	for i, st := range steps {
		fmt.Fprintf(e.stdout, "== %d. %s\n", i+1, st.title)
		se := de
		se.stdin = stringsReader(st.stdin)
		if st.args[0] == "sync" {
			// The progress bar draws on the real terminal when there is one.
			se.stdinIsTerminal = e.stdinIsTerminal
		}
		if err := run(ctx, st.args, &se); err != nil {
			var ee *exitError
			if errors.As(err, &ee) && ee.code == 3 {
				fmt.Fprintln(e.stdout, "The demo account does not reconcile; see above.")
				return err
			}
			return fmt.Errorf("demo: %s: %w", st.title, err)
		}
		fmt.Fprintln(e.stdout)
	}
	if serveUI {
		return serveDemo(ctx, &de, *listen)
	}
	fmt.Fprintln(e.stdout, "Done. Try: cointally --help, or connect your own read-only key with cointally account add kraken --name NAME.")
	if *keep {
		fmt.Fprintf(e.stdout, "The demo data stays in %s (cointally ledger --data-dir %s).\n", dataDir, dataDir)
	}
	return nil
}

// serveDemo gives the demo's local user (the owner of the sample account)
// a random password, prints it once, and serves the web UI on listen as
// `cointally serve` does (the scheduler keeps the account synced against
// the in-process emulator, ended sessions are swept) until ctx is canceled.
func serveDemo(ctx context.Context, e *env, listen string) error {
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
		return fmt.Errorf("demo: %w", err)
	}
	a.user.PasswordHash = hash
	if err := a.store.UpdateUser(ctx, a.user); err != nil {
		return fmt.Errorf("demo: setting the demo password: %w", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return a.serveUI(ctx, ln, serveOptions{
		web: webOptions{syncInterval: ingest.DefaultInterval},
		started: func(url string) {
			fmt.Fprintf(e.stdout, "The web UI is at %s — log in as %s with password %s\n", url, a.user.Name, pw)
			fmt.Fprintln(e.stdout, "(a password for this demo only; press Ctrl-C to stop)")
		},
	})
}
