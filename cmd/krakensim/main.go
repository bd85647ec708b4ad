// Command krakensim serves the Kraken Spot REST emulator
// (package exchange/kraken/krakensim) on a local address, or writes an
// emulated account's history as the website's CSV export.
//
// Usage:
//
//	krakensim [serve] --scenario FILE.json [--listen 127.0.0.1:PORT] [--verbose]
//	krakensim export --scenario FILE.json --account ID --report ledgers|trades
//	          [--generation A|B|C|D (ledgers) | classic|new (trades)] [--from RFC3339] [--to RFC3339]
//
// serve prints exactly one line to stdout when it accepts connections,
// "krakensim listening on http://HOST:PORT" (port 0 picks a free port and the
// line names it), and serves until SIGINT or SIGTERM, then shuts down
// gracefully. The emulator's own endpoints are GET /_sim/stats and
// POST /_sim/accounts/ID/activity (form entries=N).
//
// A sample scenario with a read-only key is in
// exchange/kraken/krakensim/testdata/sample.json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "krakensim:", err)
		}
		os.Exit(2)
	}
}

// run is the whole program; main only wires signals and the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "export":
			return runExport(args[1:], stdout, stderr)
		case "serve":
			args = args[1:]
		}
	}
	return runServe(ctx, args, stdout, stderr)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("krakensim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8089", "address to listen on (port 0: any free port)")
	scenario := fs.String("scenario", "", "scenario JSON file (required)")
	verbose := fs.Bool("verbose", false, "log unknown routes, lockouts and each request to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *scenario == "" {
		fs.Usage()
		return errors.New("--scenario is required")
	}
	sc, err := krakensim.LoadScenario(*scenario)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "", log.LstdFlags)
	sim, err := krakensim.New(sc, krakensim.WithLogf(logger.Printf))
	if err != nil {
		return err
	}
	var h http.Handler = sim
	if *verbose {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			logger.Printf("%s %s from %s", r.Method, r.URL.Path, r.RemoteAddr)
			sim.ServeHTTP(w, r)
		})
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: logger}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "krakensim listening on http://%s\n", ln.Addr())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("krakensim export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario JSON file (required)")
	account := fs.String("account", "", "account ID (required)")
	report := fs.String("report", "ledgers", "ledgers or trades")
	generation := fs.String("generation", "", "CSV generation: A, B, C or D for ledgers (default D); classic or new for trades (default classic)")
	from := fs.String("from", "", "first time included (RFC 3339; default: all history)")
	to := fs.String("to", "", "last time included (RFC 3339; default: all history)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *scenario == "" || *account == "" {
		fs.Usage()
		return errors.New("--scenario and --account are required")
	}
	var fromT, toT time.Time
	var err error
	if *from != "" {
		if fromT, err = time.Parse(time.RFC3339, *from); err != nil {
			return fmt.Errorf("--from: %w", err)
		}
	}
	if *to != "" {
		if toT, err = time.Parse(time.RFC3339, *to); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
	}
	sc, err := krakensim.LoadScenario(*scenario)
	if err != nil {
		return err
	}
	// Generate only the requested account.
	var keep []krakensim.AccountSpec
	for _, a := range sc.Accounts {
		if a.ID == *account {
			keep = append(keep, a)
		}
	}
	if len(keep) == 0 {
		return fmt.Errorf("scenario has no account %q", *account)
	}
	sc.Accounts = keep
	sim, err := krakensim.New(sc)
	if err != nil {
		return err
	}
	a := sim.Account(*account)
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	switch *report {
	case "ledgers":
		gen, err := ledgerGen(*generation)
		if err != nil {
			return err
		}
		return krakensim.WriteLedgersCSV(stdout, a, sim.Market(), gen, fromT, toT)
	case "trades":
		gen, err := tradesGen(*generation)
		if err != nil {
			return err
		}
		return krakensim.WriteTradesCSV(stdout, a, gen, fromT, toT)
	}
	return fmt.Errorf("--report %q: want ledgers or trades", *report)
}

func ledgerGen(s string) (krakensim.LedgerCSVGen, error) {
	switch strings.ToUpper(s) {
	case "A":
		return krakensim.LedgerCSVGenA, nil
	case "B":
		return krakensim.LedgerCSVGenB, nil
	case "C":
		return krakensim.LedgerCSVGenC, nil
	case "D", "":
		return krakensim.LedgerCSVGenD, nil
	}
	return 0, fmt.Errorf("--generation %q: want A, B, C or D for ledgers", s)
}

func tradesGen(s string) (krakensim.TradesCSVGen, error) {
	switch strings.ToLower(s) {
	case "classic", "":
		return krakensim.TradesCSVClassic, nil
	case "new":
		return krakensim.TradesCSVNew, nil
	}
	return 0, fmt.Errorf("--generation %q: want classic or new for trades", s)
}
