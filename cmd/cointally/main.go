// Command cointally is the self-hosted crypto portfolio tracker and tax
// tool: it connects exchange accounts, syncs their history, proves it
// complete and reports on it. Every subcommand takes --data-dir.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], newEnv())
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// env is everything a command takes from the outside world, so tests can
// run commands in-process with their own stdin, environment and clock.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// stdinIsTerminal reports whether secrets should be prompted for
	// without echo instead of read from lines of stdin.
	stdinIsTerminal func() bool
	readPassword    func() ([]byte, error)
	now             func() time.Time
}

func newEnv() *env {
	fd := int(os.Stdin.Fd())
	return &env{
		stdin:           os.Stdin,
		stdout:          os.Stdout,
		stderr:          os.Stderr,
		getenv:          os.Getenv,
		stdinIsTerminal: func() bool { return term.IsTerminal(fd) },
		readPassword:    func() ([]byte, error) { return term.ReadPassword(fd) },
		now:             time.Now,
	}
}

// exitError carries a specific exit status (reconcile exits 3 when an
// account does not reconcile) with an optional message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// exitCode prints err's one-line reason and returns the process status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "cointally:", ee.msg)
		}
		return ee.code
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	fmt.Fprintln(stderr, "cointally:", oneLine(err.Error()))
	return 1
}

func oneLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

var errUsage = errors.New("usage")

const usage = `cointally: a self-hosted crypto portfolio tracker and tax tool

Usage: cointally <command> [flags]

Commands:
  demo [--serve yes|no|auto]                  try cointally offline on an emulated Kraken account
                                              (auto: then serve the web UI when run from a terminal)
  account add kraken --name NAME [--tier T]   connect a Kraken account (keys from stdin)
  account list [--json]                       list accounts and key health
  account audit NAME [--json]                 re-run the key permission audit
  account rotate NAME                         replace an account's key pair (from stdin)
  account set NAME [--sync-interval D] [--tier T]   change an account's schedule or tier
  account remove NAME [--keep-data]           remove an account
  sync [NAME...] [--json]                     import new history of the accounts, once
  import kraken-csv --account NAME FILE... [--skip-bad-rows] [--json]
                                              import Kraken's ledgers/trades CSV exports (or their ZIP)
  balances [--json] [--by-wallet]             balances per asset from the imported ledgers
  reconcile [NAME...] [--json]                prove each account's history complete (exit 3 if not)
  ledger [--account NAME] [--json]            print the stored ledger entries
  gains --year YYYY [--method M] [--currency CODE] [--json|--csv KIND] [--compare]
                                              capital gains of a year (cointally gains -h for the CSV kinds)
  income --year YYYY [--period calendar|uk] [--currency CODE] [--json|--csv]
                                              income of a year: rewards, airdrops, bonuses
  holdings [--currency CODE] [--json]         holdings with cost basis, value and unrealised gain
  prices import FILE.csv                      import your own prices (time,base,quote,price)
  settings [set KEY VALUE | unset KEY]        report currency, default method, sync interval
  serve [--listen 127.0.0.1:8080]             sync on a schedule and serve the web UI
        [--tls-cert F --tls-key F] [--trust-proxy]
  user add NAME [--admin]                     let someone log in to the web UI (password from stdin)
  vault passphrase | vault keyfile            protect the key vault with a (new) passphrase or a key file
  migrate-store --to postgres://... [--from sqlite:PATH] [--resume]   copy everything into PostgreSQL, verified
  doctor                                      check the data directory, vault and keys
  version                                     print the version

Every command takes --data-dir DIR (default $COINTALLY_DATA_DIR, else
~/.local/share/cointally). COINTALLY_KRAKEN_URL overrides Kraken's address.
Reports are in the currency of your settings (EUR by default) unless --currency says otherwise; they fetch the prices
they need from Kraken's public market data (about one request a second, cached)
unless --offline.
`

func run(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	case "version":
		fmt.Fprintln(e.stdout, "cointally", version)
		return nil
	case "account":
		return runAccount(ctx, args[1:], e)
	case "doctor":
		return runDoctor(ctx, args[1:], e)
	case "ledger":
		return runLedger(ctx, args[1:], e)
	case "sync":
		return runSync(ctx, args[1:], e)
	case "import":
		return runImport(ctx, args[1:], e)
	case "demo":
		return runDemo(ctx, args[1:], e)
	case "serve":
		return runServe(ctx, args[1:], e)
	case "balances":
		return runBalances(ctx, args[1:], e)
	case "reconcile":
		return runReconcile(ctx, args[1:], e)
	case "user":
		return runUser(ctx, args[1:], e)
	case "vault":
		return runVault(ctx, args[1:], e)
	case "gains":
		return runGains(ctx, args[1:], e)
	case "income":
		return runIncome(ctx, args[1:], e)
	case "holdings":
		return runHoldings(ctx, args[1:], e)
	case "prices":
		return runPrices(ctx, args[1:], e)
	case "migrate-store":
		return runMigrateStore(ctx, args[1:], e)
	case "settings":
		return runSettings(ctx, args[1:], e)
	}
	fmt.Fprint(e.stderr, usage)
	return fmt.Errorf("unknown command %q (see cointally help)", args[0])
}

const version = "0.1.0-dev"
