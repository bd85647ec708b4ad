package ingest

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// Report is a reconciliation of one or more accounts, ready for JSON.
type Report struct {
	Accounts []AccountReport `json:"accounts"`
}

// OK reports whether every account reconciles.
func (r *Report) OK() bool {
	for i := range r.Accounts {
		if !r.Accounts[i].OK {
			return false
		}
	}
	return true
}

// AccountReport is the reconciliation of one account.
type AccountReport struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	// OK is true when no chain has a break, every chain's end equals the
	// live balance (when one is stored) and the exchange's count equals
	// the stored count (when known).
	OK bool `json:"ok"`
	// Entries counts the stored entries; Skipped those without a balance
	// (pending rows of a file), which no chain checks.
	Entries int `json:"entries"`
	Skipped int `json:"skipped,omitempty"`
	// Chains has one chain per asset code and wallet, ordered by asset.
	Chains []Chain `json:"chains"`
	// LiveAt is the time of the live balances compared (zero: none stored).
	LiveAt time.Time `json:"live_at,omitzero"`
	// Count compares the exchange's count of the last completed ledger walk
	// with the entries stored up to its end.
	Count *CountCheck `json:"count,omitempty"`
	// Summary is the verdict in one line.
	Summary string `json:"summary"`
}

// Chain is the running-balance chain of one asset code (and wallet).
type Chain struct {
	Asset  string `json:"asset"`
	Wallet string `json:"wallet,omitempty"`
	// Entries counts the entries in the chain.
	Entries int `json:"entries"`
	// Breaks are the places where balance != previous balance + amount -
	// fee, in time order.
	Breaks []Break `json:"breaks"`
	// LedgerBalance is the balance of the chain's last entry.
	LedgerBalance money.Amount `json:"ledger_balance"`
	// LiveBalance is the live balance compared with it (nil when no live
	// balances are stored). LiveAsset names the live code when it is not
	// the chain's own (matched by base asset and suffix). For an asset with
	// several wallet chains, the live balance is compared with their sum on
	// the asset's first chain.
	LiveBalance *money.Amount `json:"live_balance,omitempty"`
	LiveAsset   string        `json:"live_asset,omitempty"`
	// Difference is live - ledger (nil without a live balance).
	Difference *money.Amount `json:"difference,omitempty"`
}

// Break is a gap in a chain: entries are missing between Before and After
// (or before After, at the start of a chain).
type Break struct {
	// Before is the ledger ID of the last entry before the gap; "" when the
	// gap is before the chain's first entry (history before it is missing).
	Before string `json:"before,omitempty"`
	// After is the ledger ID of the first entry after the gap.
	After string    `json:"after"`
	Time  time.Time `json:"time"` // After's time
	// Expected is the balance the chain predicts for After, Balance the one
	// After carries; Missing = Balance - Expected is the net amount of the
	// missing entries.
	Expected money.Amount `json:"expected"`
	Balance  money.Amount `json:"balance"`
	Missing  money.Amount `json:"missing"`
}

// ChainEntries is an optional extension of cointally.Store that Reconcile
// uses when the store implements it: LedgerStore.Entries reduced to the
// fields a balance chain reads, which a store can stream several times
// faster than whole entries (the raw record is most of a row), and split
// by asset between parallel readers.
type ChainEntries interface {
	// ChainEntries hands each of the account's entries, with only ID,
	// Time, Asset, Wallet, Amount, Fee, Balance and HasBalance set, to one
	// of the sinks it gets from newSink. newSink is called from the
	// caller's goroutine before any entry is read, once per sink; each
	// sink gets all entries of the assets it is given, in ascending order
	// of (time, ID), and is never called concurrently, but different
	// sinks run in parallel. The first error from a sink stops the walk
	// and is returned unchanged; other errors as for LedgerStore.Entries.
	ChainEntries(ctx context.Context, accountID int64, newSink func() func(*cointally.Entry) error) error
}

// Reconcile checks one account's stored ledger (see the package doc) in one
// pass over its entries, in memory proportional to the number of assets.
// KindNotFound if the account does not exist.
func (s *Syncer) Reconcile(ctx context.Context, accountID int64) (*Report, error) {
	a, err := s.Store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	r, err := s.reconcileAccount(ctx, a)
	if err != nil {
		return nil, err
	}
	return &Report{Accounts: []AccountReport{*r}}, nil
}

// ReconcileUser reconciles every account of a user, in name order.
func (s *Syncer) ReconcileUser(ctx context.Context, userID int64) (*Report, error) {
	accts, err := s.Store.Accounts(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	rep := &Report{Accounts: []AccountReport{}}
	for _, a := range accts {
		r, err := s.reconcileAccount(ctx, a)
		if err != nil {
			return nil, err
		}
		rep.Accounts = append(rep.Accounts, *r)
	}
	return rep, nil
}

func (s *Syncer) reconcileAccount(ctx context.Context, a *cointally.Account) (*AccountReport, error) {
	op := "reconcile " + a.Name
	// The count of the last completed ledger walk, checked against the
	// entries stored up to its end while streaming.
	var count *CountCheck
	cp, err := s.Store.Checkpoint(ctx, a.ID, StreamLedger)
	switch {
	case err == nil:
		if readWalkState(cp).Counted && cp.Done {
			count = &CountCheck{Exchange: cp.Count}
			if cp.Window != "" {
				if count.Through, err = parseBound(cp.Window); err != nil {
					return nil, fmt.Errorf("%s: ledger checkpoint: %w", op, err)
				}
			}
		}
	case !cointally.IsNotFound(err):
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	// One chainer per sink: a chain is per asset, and each asset goes to
	// one sink, so the chainers' results simply add up.
	type part struct {
		c      chainer
		stored int
	}
	var parts []*part
	newSink := func() func(*cointally.Entry) error {
		p := &part{}
		parts = append(parts, p)
		return func(e *cointally.Entry) error {
			p.c.add(e)
			if count != nil && (count.Through.IsZero() || !e.Time.After(count.Through)) {
				p.stored++
			}
			return nil
		}
	}
	if ce, ok := s.Store.(ChainEntries); ok {
		err = ce.ChainEntries(ctx, a.ID, newSink)
	} else {
		err = s.Store.Entries(ctx, a.ID, newSink())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var c chainer
	for _, p := range parts {
		c.merge(&p.c)
		if count != nil {
			count.Stored += p.stored
		}
	}
	rep := &AccountReport{AccountID: a.ID, Name: a.Name, Entries: c.entries, Skipped: c.skipped, Chains: c.finish(), Count: count}
	live, err := s.Store.LatestBalances(ctx, a.ID)
	switch {
	case err == nil:
		if len(live) > 0 {
			rep.LiveAt = live[0].Time
		}
		rep.Chains = compareLive(rep.Chains, live, s.NormalizeAsset)
	case !cointally.IsNotFound(err):
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if count != nil {
		count.OK = count.Stored == count.Exchange
	}
	rep.OK, rep.Summary = verdict(rep)
	return rep, nil
}

// ReconcileEntries is the engine of Reconcile without a store: it builds
// and checks the balance chains of entries given in (time, ID) order. It
// does not compare with live balances or counts.
func ReconcileEntries(entries iter.Seq[*cointally.Entry]) []Chain {
	var c chainer
	for e := range entries {
		c.add(e)
	}
	return c.finish()
}

// compareLive sets the live balance and difference of each chain, adding a
// chain for every live balance (not zero) that no chain explains.
func compareLive(chains []Chain, live []cointally.BalanceSnapshot, normalize func(string) (string, string)) []Chain {
	liveBy := map[string]money.Amount{}
	for _, b := range live {
		liveBy[b.Asset] = b.Amount
	}
	used := map[string]bool{}
	byAsset := map[string][]int{}
	var assets []string
	for i, ch := range chains {
		if _, ok := byAsset[ch.Asset]; !ok {
			assets = append(assets, ch.Asset)
		}
		byAsset[ch.Asset] = append(byAsset[ch.Asset], i)
	}
	for _, asset := range assets {
		if _, ok := liveBy[asset]; ok {
			used[asset] = true
		}
	}
	for _, asset := range assets {
		code := asset
		amount, ok := liveBy[code]
		if !ok && normalize != nil {
			// The same asset written in another form ("XBT.M" / "BTC.M").
			b, s := normalize(asset)
			for _, l := range live {
				if used[l.Asset] {
					continue
				}
				if lb, ls := normalize(l.Asset); lb == b && ls == s {
					code, amount, ok = l.Asset, l.Amount, true
					used[l.Asset] = true
					break
				}
			}
		}
		if !ok {
			amount = money.Zero // not listed: the exchange holds none
		}
		idx := byAsset[asset]
		sum := money.Zero
		for _, i := range idx {
			sum = sum.Add(chains[i].LedgerBalance)
		}
		first := &chains[idx[0]]
		first.LiveBalance = &amount
		if code != asset {
			first.LiveAsset = code
		}
		d := amount.Sub(sum)
		first.Difference = &d
	}
	for _, l := range live {
		if used[l.Asset] || l.Amount.IsZero() {
			continue
		}
		amount := l.Amount
		d := amount
		chains = append(chains, Chain{Asset: l.Asset, Breaks: []Break{}, LiveBalance: &amount, Difference: &d})
	}
	slices.SortStableFunc(chains, func(a, b Chain) int {
		return cmp.Or(strings.Compare(a.Asset, b.Asset), strings.Compare(a.Wallet, b.Wallet))
	})
	return chains
}

// verdict decides OK and writes the summary line.
func verdict(r *AccountReport) (bool, string) {
	breaks, broken, differ := 0, []string{}, []string{}
	for _, ch := range r.Chains {
		if len(ch.Breaks) > 0 {
			breaks += len(ch.Breaks)
			broken = append(broken, ch.Asset)
		}
		if ch.Difference != nil && !ch.Difference.IsZero() {
			differ = append(differ, ch.Asset)
		}
	}
	var parts []string
	if breaks > 0 {
		parts = append(parts, fmt.Sprintf("%d break%s in the balance chain%s of %s", breaks, pluralS(breaks),
			pluralS(len(broken)), strings.Join(broken, ", ")))
	}
	if len(differ) > 0 {
		parts = append(parts, fmt.Sprintf("ledger and live balance differ for %s", strings.Join(differ, ", ")))
	}
	if r.Count != nil && !r.Count.OK {
		parts = append(parts, fmt.Sprintf("Kraken counts %d entries, %d are stored", r.Count.Exchange, r.Count.Stored))
	}
	if len(parts) > 0 {
		return false, strings.Join(parts, "; ")
	}
	msg := fmt.Sprintf("ok: %d entries in %d chain%s, every balance chain continuous", r.Entries, len(r.Chains), pluralS(len(r.Chains)))
	if !r.LiveAt.IsZero() {
		msg += ", live balances match"
	}
	if r.Count != nil {
		msg += fmt.Sprintf(", Kraken's count (%d) matches", r.Count.Exchange)
	}
	return true, msg
}

// chainer builds the balance chains from entries in (time, ID) order.
//
// Wallets: entries carry a wallet only when they came from a CSV export;
// API entries have none. An entry without a wallet joins the chain of its
// asset's most recently seen wallet, and an asset's wallet-less chain takes
// the first wallet seen for the asset, so an account imported partly from
// an export and partly from the API keeps one chain per asset code.
type chainer struct {
	chains   map[string]*chainState // by asset + "\x00" + wallet
	walletOf map[string]string      // asset -> wallet of its latest entry with one
	entries  int
	skipped  int
}

func (c *chainer) add(e *cointally.Entry) {
	c.entries++
	if !e.HasBalance {
		c.skipped++
		return
	}
	if c.chains == nil {
		c.chains = map[string]*chainState{}
		c.walletOf = map[string]string{}
	}
	wallet := e.Wallet
	if wallet == "" {
		wallet = c.walletOf[e.Asset]
	} else if cur, seen := c.walletOf[e.Asset]; !seen || cur != wallet {
		if !seen {
			// Adopt a chain built so far without a wallet.
			if ch := c.chains[e.Asset+"\x00"]; ch != nil {
				delete(c.chains, e.Asset+"\x00")
				ch.wallet = wallet
				c.chains[e.Asset+"\x00"+wallet] = ch
			}
		}
		c.walletOf[e.Asset] = wallet
	}
	key := e.Asset + "\x00" + wallet
	ch := c.chains[key]
	if ch == nil {
		ch = &chainState{asset: e.Asset, wallet: wallet}
		c.chains[key] = ch
	}
	ch.push(e)
}

// finish closes every chain and returns them ordered by asset and wallet.
// merge adds the chains of o, which holds other assets than c.
func (c *chainer) merge(o *chainer) {
	c.entries += o.entries
	c.skipped += o.skipped
	if len(o.chains) == 0 {
		return
	}
	if c.chains == nil {
		c.chains, c.walletOf = map[string]*chainState{}, map[string]string{}
	}
	maps.Copy(c.chains, o.chains)
	maps.Copy(c.walletOf, o.walletOf)
}

func (c *chainer) finish() []Chain {
	out := make([]Chain, 0, len(c.chains))
	for _, ch := range c.chains {
		ch.flush()
		breaks := ch.breaks
		if breaks == nil {
			breaks = []Break{}
		}
		out = append(out, Chain{Asset: ch.asset, Wallet: ch.wallet, Entries: ch.n, Breaks: breaks, LedgerBalance: ch.bal})
	}
	slices.SortFunc(out, func(a, b Chain) int {
		return cmp.Or(strings.Compare(a.Asset, b.Asset), strings.Compare(a.Wallet, b.Wallet))
	})
	return out
}

// chainState is one chain being built. Entries with equal times wait in
// group until a later entry arrives, so the group can be put in the order
// that keeps the chain continuous.
type chainState struct {
	asset, wallet string
	n             int
	started       bool
	bal           money.Amount
	lastID        string
	gtime         time.Time
	group         []*cointally.Entry
	breaks        []Break
}

func (ch *chainState) push(e *cointally.Entry) {
	if len(ch.group) > 0 && !e.Time.Equal(ch.gtime) {
		ch.flush()
	}
	if len(ch.group) == 0 {
		ch.gtime = e.Time
	}
	ch.group = append(ch.group, e)
}

// expected is the balance the chain predicts after e.
func (ch *chainState) expected(e *cointally.Entry, prev money.Amount) money.Amount {
	return prev.Add(e.Amount).Sub(e.Fee)
}

// maxSearch bounds the orders tried for one group of same-time entries.
const maxSearch = 20_000

// flush applies the group in the order that makes the chain continuous if
// there is one (found by a bounded search), else in ID order.
func (ch *chainState) flush() {
	g := ch.group
	switch len(g) {
	case 0:
		return
	case 1:
		ch.apply(g[0])
	default:
		order := make([]*cointally.Entry, 0, len(g))
		used := make([]bool, len(g))
		steps := 0
		var search func(prev money.Amount) bool
		search = func(prev money.Amount) bool {
			if len(order) == len(g) {
				return true
			}
			for i, e := range g {
				if used[i] {
					continue
				}
				if steps++; steps > maxSearch {
					return false
				}
				if !ch.expected(e, prev).Equal(e.Balance) {
					continue
				}
				used[i] = true
				order = append(order, e)
				if search(e.Balance) {
					return true
				}
				order = order[:len(order)-1]
				used[i] = false
			}
			return false
		}
		if search(ch.bal) {
			g = order
		}
		for _, e := range g {
			ch.apply(e)
		}
	}
	clear(ch.group)
	ch.group = ch.group[:0]
}

// apply adds e to the chain, recording a break if its balance does not
// follow from the previous one.
func (ch *chainState) apply(e *cointally.Entry) {
	want := ch.expected(e, ch.bal)
	if !want.Equal(e.Balance) {
		b := Break{After: e.ID, Time: e.Time, Expected: want, Balance: e.Balance, Missing: e.Balance.Sub(want)}
		if ch.started {
			b.Before = ch.lastID
		}
		ch.breaks = append(ch.breaks, b)
	}
	ch.bal, ch.lastID, ch.started = e.Balance, e.ID, true
	ch.n++
}
