package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/cointally/cointally"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// config is what every command resolves from its flags and the environment,
// once, before anything is opened. Libraries never read the environment.
type config struct {
	dataDir   string
	dbURL     string // "sqlite:PATH" or a postgres:// URL
	krakenURL string // Kraken's base URL (COINTALLY_KRAKEN_URL points it at krakensim)
	// passphrase, when set, derives the vault's master key (COINTALLY_PASSPHRASE).
	passphrase []byte
}

// commonFlags registers the flags every command takes.
type commonFlags struct {
	dataDir *string
	db      *string
}

func newFlagSet(name string, e *env) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cf := &commonFlags{
		dataDir: fs.String("data-dir", "", "data directory (default $COINTALLY_DATA_DIR, else ~/.local/share/cointally)"),
		db:      fs.String("db", "", "database URL: sqlite:PATH (default: cointally.db in the data directory) or postgres://... (default $COINTALLY_DB)"),
	}
	return fs, cf
}

// parseFlags parses args, allowing flags after positional arguments
// ("account audit alice --json"), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errUsage
			}
			return nil, fmt.Errorf("%s: %w", fs.Name(), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// openCommand resolves the configuration and opens the app for a command
// whose flags are parsed; the caller must Close the app.
func (cf *commonFlags) open(ctx context.Context, e *env) (*app, error) {
	cfg, err := cf.resolve(e)
	if err != nil {
		return nil, err
	}
	return openApp(ctx, cfg, e)
}

// openAccount is open for commands that act on one named account: it
// checks that exactly one name was given (else the usage line is the
// error), opens the app and loads the account. The caller must Close the
// app.
func (cf *commonFlags) openAccount(ctx context.Context, e *env, op, usageLine string, pos []string) (*app, *cointally.Account, error) {
	if len(pos) != 1 {
		return nil, nil, fmt.Errorf("%s: name one account: %s", op, usageLine)
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	acct, err := a.store.Account(ctx, a.user.ID, pos[0])
	if err != nil {
		a.Close()
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	return a, acct, nil
}

func (cf *commonFlags) resolve(e *env) (*config, error) {
	dir, err := resolveDataDir(*cf.dataDir, e.getenv)
	if err != nil {
		return nil, err
	}
	c := &config{dataDir: dir, krakenURL: strings.TrimRight(e.getenv("COINTALLY_KRAKEN_URL"), "/")}
	c.dbURL = *cf.db
	if c.dbURL == "" {
		c.dbURL = e.getenv("COINTALLY_DB")
	}
	if c.dbURL == "" {
		c.dbURL = "sqlite:" + filepath.Join(dir, "cointally.db")
	}
	if p := e.getenv("COINTALLY_PASSPHRASE"); p != "" {
		c.passphrase = []byte(p)
	}
	return c, nil
}

// resolveDataDir picks the data directory: the flag, else
// COINTALLY_DATA_DIR, else $XDG_DATA_HOME/cointally, else
// ~/.local/share/cointally.
func resolveDataDir(flagValue string, getenv func(string) string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = getenv("COINTALLY_DATA_DIR")
	}
	if dir == "" {
		if x := getenv("XDG_DATA_HOME"); x != "" {
			dir = filepath.Join(x, "cointally")
		}
	}
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("no data directory: pass --data-dir or set COINTALLY_DATA_DIR (HOME is not set)")
		}
		dir = filepath.Join(home, ".local", "share", "cointally")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data directory %q: %w", dir, err)
	}
	return abs, nil
}

// ensureDataDir creates the data directory with owner-only permissions.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the data directory %s: %w", dir, err)
	}
	return nil
}

// writeJSON is the one place commands write JSON: indented, one value.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
