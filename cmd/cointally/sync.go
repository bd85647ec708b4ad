package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/money"
)

// syncer builds the sync engine for this process: it connects each
// account through its stored key.
func (a *app) syncer() *ingest.Syncer {
	host, _ := os.Hostname()
	return &ingest.Syncer{
		Store:          a.store,
		Connect:        a.connect,
		Logger:         a.log,
		Now:            a.env.now,
		Owner:          fmt.Sprintf("cointally pid %d on %s", os.Getpid(), host),
		NormalizeAsset: kraken.NormalizeAsset,
	}
}

// connect returns the exchange of an account: the Kraken client with the
// account's key and the permissions its last audit found.
func (a *app) connect(ctx context.Context, acct *cointally.Account) (cointally.Exchange, error) {
	if acct.Exchange != "kraken" {
		return nil, fmt.Errorf("account %s: exchange %q is not supported", acct.Name, acct.Exchange)
	}
	if acct.Status == cointally.StatusNoKey {
		return nil, &cointally.Error{Kind: cointally.KindUnauthorized, Message: fmt.Sprintf("account %s has no API key; add one with cointally account rotate %s", acct.Name, quoteName(acct.Name))}
	}
	c, err := a.clientFor(ctx, acct)
	if err != nil {
		return nil, err
	}
	return kraken.NewExchange(c, kraken.ExchangeConfig{Permissions: acct.Permissions}), nil
}

// syncAccountJSON is one element of `cointally sync --json`'s accounts.
type syncAccountJSON struct {
	Name         string  `json:"name"`
	NewEntries   int     `json:"new_entries"`
	TotalEntries int     `json:"total_entries"`
	Calls        int     `json:"calls"`
	Seconds      float64 `json:"seconds"`
	Reconciled   bool    `json:"reconciled"`
	Outcome      string  `json:"outcome"`
	Export       bool    `json:"export"`
	Summary      string  `json:"summary,omitempty"`
	Error        string  `json:"error,omitempty"`
}

func runSync(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("sync", e)
	asJSON := fs.Bool("json", false, "print a machine summary instead of progress")
	names, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	accts, err := a.selectAccounts(ctx, names)
	if err != nil {
		return err
	}
	if len(accts) == 0 {
		return errors.New("sync: no accounts yet; connect one with: cointally account add kraken --name NAME")
	}
	if len(names) == 0 {
		// Accounts fed by file imports have no key to sync with; they are
		// synced only when named (which then explains how to add a key).
		keyed := accts[:0]
		for _, acct := range accts {
			if acct.Status == cointally.StatusNoKey {
				if !*asJSON {
					fmt.Fprintf(e.stderr, "%s: skipped: no API key (imported from files); add one with cointally account rotate %s\n", acct.Name, quoteName(acct.Name))
				}
				continue
			}
			keyed = append(keyed, acct)
		}
		accts = keyed
		if len(accts) == 0 {
			return errors.New("sync: no account has an API key; add one with cointally account rotate NAME")
		}
	}
	var bar *progressBar
	if !*asJSON {
		bar = newProgressBar(e.stderr, e.stdinIsTerminal(), e.now)
	}
	results, failed := a.syncAccounts(ctx, accts, bar)
	added := 0
	for _, r := range results {
		added += r.NewEntries
	}
	if added > 0 {
		a.prepareEvents(ctx)
	}
	if *asJSON {
		if err := writeJSON(e.stdout, map[string]any{"accounts": results}); err != nil {
			return err
		}
	} else {
		printSyncResults(e, results)
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("sync: %d of %d account(s) failed", failed, len(accts))}
	}
	return nil
}

// selectAccounts returns the named accounts, or all of the user's.
func (a *app) selectAccounts(ctx context.Context, names []string) ([]*cointally.Account, error) {
	if len(names) == 0 {
		return a.store.Accounts(ctx, a.user.ID)
	}
	var out []*cointally.Account
	for _, n := range names {
		acct, err := a.store.Account(ctx, a.user.ID, n)
		if err != nil {
			return nil, fmt.Errorf("no account named %q (see cointally account list): %w", n, err)
		}
		out = append(out, acct)
	}
	return out, nil
}

// syncAccounts syncs each account once and returns one summary per account.
func (a *app) syncAccounts(ctx context.Context, accts []*cointally.Account, bar *progressBar) ([]syncAccountJSON, int) {
	s := a.syncer()
	failed := 0
	var results []syncAccountJSON
	for _, acct := range accts {
		start := a.env.now()
		var progress func(ingest.Progress)
		if bar != nil {
			progress = bar.update
		}
		res, err := s.Sync(ctx, acct, progress)
		if bar != nil {
			bar.finish()
		}
		j := syncAccountJSON{Name: acct.Name, Seconds: roundSeconds(a.env.now().Sub(start))}
		if res != nil {
			j.NewEntries, j.Calls, j.Outcome, j.Export = res.NewEntries, res.Run.Calls, res.Run.Outcome, res.Export
			j.Reconciled, j.Summary = res.Run.Reconciled, res.Run.Summary
		}
		if n, cerr := a.store.EntryCount(ctx, acct.ID); cerr == nil {
			j.TotalEntries = n
		}
		if err != nil {
			failed++
			j.Error = syncErrorText(err)
			if j.Outcome == "" {
				j.Outcome = cointally.OutcomeFailed
			}
		}
		results = append(results, j)
	}
	return results, failed
}

// syncErrorText says in plain words why a sync failed.
func syncErrorText(err error) string {
	var ke *kraken.APIError
	var te *kraken.TransportError
	if errors.As(err, &ke) || errors.As(err, &te) {
		return kraken.UserMessage(err)
	}
	var ce *cointally.Error
	if errors.As(err, &ce) && ce.Message != "" {
		return ce.Message
	}
	return err.Error()
}

func roundSeconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}

func printSyncResults(e *env, results []syncAccountJSON) {
	for _, r := range results {
		if r.Error != "" {
			fmt.Fprintf(e.stdout, "%s: sync failed: %s\n", r.Name, r.Error)
			continue
		}
		how := ""
		if r.Export {
			how = " (first import through Kraken's export report)"
		}
		fmt.Fprintf(e.stdout, "%s: %s new entries, %s stored, %d calls, %.1f s%s.\n", r.Name, thousands(r.NewEntries), thousands(r.TotalEntries), r.Calls, r.Seconds, how)
		if r.Summary != "" {
			fmt.Fprintf(e.stdout, "%s: %s\n", r.Name, r.Summary)
		}
	}
}

// balanceJSON is one element of `cointally balances --json`.
type balanceJSON struct {
	Asset  string       `json:"asset"`
	Wallet string       `json:"wallet,omitempty"`
	Amount money.Amount `json:"amount"`
}

// runBalances prints what the imported ledgers say each asset's balance
// is: each chain's last balance, with asset codes in canonical symbols
// (XXBT -> BTC) and staked/earn variants folded into their coin unless
// --by-wallet.
func runBalances(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("balances", e)
	asJSON := fs.Bool("json", false, "print JSON")
	byWallet := fs.Bool("by-wallet", false, "keep staked, earn and other wallet variants apart")
	account := fs.String("account", "", "only this account")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	var names []string
	if *account != "" {
		names = []string{*account}
	}
	accts, err := a.selectAccounts(ctx, names)
	if err != nil {
		return err
	}
	s := a.syncer()
	type key struct{ asset, wallet string }
	sums := map[key]money.Amount{}
	for _, acct := range accts {
		rep, err := s.Reconcile(ctx, acct.ID)
		if err != nil {
			return err
		}
		for _, ar := range rep.Accounts {
			for _, ch := range ar.Chains {
				base, suffix := kraken.NormalizeAsset(ch.Asset)
				k := key{asset: base}
				if *byWallet {
					k = key{asset: base + suffix, wallet: ch.Wallet}
				}
				sums[k] = sums[k].Add(ch.LedgerBalance)
			}
		}
	}
	out := make([]balanceJSON, 0, len(sums))
	for k, v := range sums {
		if v.IsZero() {
			continue
		}
		out = append(out, balanceJSON{Asset: k.asset, Wallet: k.wallet, Amount: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Asset != out[j].Asset {
			return out[i].Asset < out[j].Asset
		}
		return out[i].Wallet < out[j].Wallet
	})
	if *asJSON {
		return writeJSON(e.stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "No balances: nothing imported yet (run cointally sync).")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	for _, b := range out {
		name := b.Asset
		if b.Wallet != "" {
			name += " (" + b.Wallet + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", name, b.Amount)
	}
	return tw.Flush()
}

// runReconcile prints the completeness proof of every account. It exits
// 0 when every account reconciles and 3 when any does not.
func runReconcile(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("reconcile", e)
	asJSON := fs.Bool("json", false, "print JSON")
	names, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	accts, err := a.selectAccounts(ctx, names)
	if err != nil {
		return err
	}
	s := a.syncer()
	report := &ingest.Report{Accounts: []ingest.AccountReport{}}
	for _, acct := range accts {
		rep, err := s.Reconcile(ctx, acct.ID)
		if err != nil {
			return err
		}
		report.Accounts = append(report.Accounts, rep.Accounts...)
	}
	if *asJSON {
		if err := writeJSON(e.stdout, report); err != nil {
			return err
		}
	} else {
		printReconciliation(e, report)
	}
	if !report.OK() {
		return &exitError{code: 3, msg: "reconcile: not every account reconciles"}
	}
	return nil
}

func printReconciliation(e *env, report *ingest.Report) {
	for _, ar := range report.Accounts {
		verdict := "reconciles"
		if !ar.OK {
			verdict = "DOES NOT reconcile"
		}
		fmt.Fprintf(e.stdout, "%s %s: %s\n", ar.Name, verdict, ar.Summary)
		for _, ch := range ar.Chains {
			for _, br := range ch.Breaks {
				where := "before " + br.After
				if br.Before != "" {
					where = "between " + br.Before + " and " + br.After
				}
				fmt.Fprintf(e.stdout, "  %s: entries missing %s (%s): %s %s unaccounted for\n", ch.Asset, where, br.Time.UTC().Format("2006-01-02 15:04:05"), br.Missing, ch.Asset)
			}
			if ch.Difference != nil && !ch.Difference.IsZero() {
				fmt.Fprintf(e.stdout, "  %s: the ledger ends at %s but Kraken holds %s (difference %s)\n", ch.Asset, ch.LedgerBalance, ch.LiveBalance, ch.Difference)
			}
		}
	}
}
