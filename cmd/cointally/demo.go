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
)

// Demo settings: a multi-year account on an in-process emulator, with a
// read-only key that may also export (so the first import takes the fast
// export path) and a fast custom rate tier, so the demo takes seconds.
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

func demoScenario() *krakensim.Scenario {
	yes := true
	return &krakensim.Scenario{
		Seed:          42,
		RateLimit:     &krakensim.RateLimitSpec{Max: "60", DecayPerSec: "30"},
		GetAPIKeyInfo: &yes,
		ExportDelay:   krakensim.Duration(3 * time.Second),
		Accounts: []krakensim.AccountSpec{{
			ID:      demoAccount,
			History: &krakensim.HistoryConfig{Entries: demoEntries, From: "2019-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
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
	sim, err := krakensim.New(demoScenario())
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
	fmt.Fprintf(e.stdout, "cointally demo: an emulated Kraken account (krakensim at %s) with %d ledger entries since 2019.\n", url, demoEntries)
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
		return serveDemoUI(ctx, &de, *listen)
	}
	fmt.Fprintln(e.stdout, "Done. Try: cointally --help, or connect your own read-only key with cointally account add kraken --name NAME.")
	if *keep {
		fmt.Fprintf(e.stdout, "The demo data stays in %s (cointally ledger --data-dir %s).\n", dataDir, dataDir)
	}
	return nil
}
