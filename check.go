package cointally

import (
	"math"
	"slices"
	"strings"
	"time"
)

// This file holds the checks every Store implementation makes on its input
// (the rules stated on the store methods), so the stores apply the same
// rules with the same messages. Each fails with a KindInvalid *Error.

// HasControl reports whether s holds an ASCII control character. Ledger
// codes, names and settings never do; stores refuse them, which also keeps
// packed storage formats unambiguous.
func HasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// CheckFor checks e as LedgerStore.PutEntries requires of an entry stored
// under accountID.
func (e *Entry) CheckFor(accountID int64) error {
	switch {
	case e.ID == "":
		return Errorf(KindInvalid, "a ledger entry has no ID")
	case e.AccountID != 0 && e.AccountID != accountID:
		return Errorf(KindInvalid, "entry %s belongs to account %d, not %d", e.ID, e.AccountID, accountID)
	case e.Asset == "":
		return Errorf(KindInvalid, "entry %s has no asset", e.ID)
	case e.Time.IsZero():
		return Errorf(KindInvalid, "entry %s has no time", e.ID)
	case SourceRank(e.Source) == 0:
		return Errorf(KindInvalid, "entry %s has unknown source %q", e.ID, e.Source)
	}
	for _, f := range [...]string{e.ID, e.RefID, e.Type, e.Subtype, e.Aclass, e.Asset, e.Wallet} {
		if HasControl(f) {
			return Errorf(KindInvalid, "entry %s has a control character in %q", e.ID, f)
		}
	}
	return nil
}

// DiffFields names the fields in which e and o differ, as EntryDiff.Fields
// lists them: asset, time, amount, fee, and balance where both have one.
func (e *Entry) DiffFields(o *Entry) []string {
	var f []string
	if e.Asset != o.Asset {
		f = append(f, "asset")
	}
	if !e.Time.Equal(o.Time) {
		f = append(f, "time")
	}
	if !e.Amount.Equal(o.Amount) {
		f = append(f, "amount")
	}
	if !e.Fee.Equal(o.Fee) {
		f = append(f, "fee")
	}
	if e.HasBalance && o.HasBalance && !e.Balance.Equal(o.Balance) {
		f = append(f, "balance")
	}
	return f
}

// CheckFor checks cp as the stores require of a checkpoint of accountID.
func (cp *Checkpoint) CheckFor(accountID int64) error {
	switch {
	case cp.Stream == "":
		return Errorf(KindInvalid, "a checkpoint needs a stream")
	case cp.AccountID != 0 && cp.AccountID != accountID:
		return Errorf(KindInvalid, "the checkpoint belongs to account %d, not %d", cp.AccountID, accountID)
	}
	return nil
}

// Check checks c as AccountStore.CreateAccount and PutCredential require.
func (c *Credential) Check() error {
	if len(c.APIKeySealed) == 0 || len(c.PrivateKeySealed) == 0 {
		return Errorf(KindInvalid, "a credential needs both sealed halves")
	}
	if c.NonceHighWater > math.MaxInt64 {
		return Errorf(KindInvalid, "nonce %d is out of range", c.NonceHighWater)
	}
	return nil
}

// Check checks p as PriceStore.PutPrices requires.
func (p *PricePoint) Check() error {
	switch {
	case p.Base == "" || p.Quote == "":
		return Errorf(KindInvalid, "a price has no base or quote")
	case p.Source == "":
		return Errorf(KindInvalid, "price %s/%s has no source", p.Base, p.Quote)
	case p.Time.IsZero():
		return Errorf(KindInvalid, "price %s/%s from %s has no time", p.Base, p.Quote, p.Source)
	case p.Price.IsNegative():
		return Errorf(KindInvalid, "price %s/%s at %s is negative (%s)", p.Base, p.Quote, p.Time.UTC().Format(time.RFC3339), p.Price)
	case p.Price.IsZero() && !p.Missing:
		return Errorf(KindInvalid, "price %s/%s at %s is zero; record a missing price with Missing", p.Base, p.Quote, p.Time.UTC().Format(time.RFC3339))
	}
	for _, s := range []string{p.Base, p.Quote, p.Source} {
		if HasControl(s) {
			return Errorf(KindInvalid, "price %q/%q from %q contains a control character", p.Base, p.Quote, p.Source)
		}
	}
	return nil
}

// AssetGroups splits the assets (with their entry counts) into at most n
// groups of about equal total count, biggest assets first, for stores that
// read balance chains on n connections in parallel. Empty groups are left
// out.
func AssetGroups(counts map[string]int, n int) [][]string {
	type ac struct {
		asset string
		n     int
	}
	list := make([]ac, 0, len(counts))
	for a, c := range counts {
		list = append(list, ac{a, c})
	}
	// Biggest first; equal counts by name, so the split is stable.
	slices.SortFunc(list, func(x, y ac) int {
		if x.n != y.n {
			return y.n - x.n
		}
		return strings.Compare(x.asset, y.asset)
	})
	groups := make([][]string, max(n, 1))
	sizes := make([]int, len(groups))
	for _, a := range list {
		g := 0
		for i := range sizes {
			if sizes[i] < sizes[g] {
				g = i
			}
		}
		groups[g] = append(groups[g], a.asset)
		sizes[g] += a.n
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}
