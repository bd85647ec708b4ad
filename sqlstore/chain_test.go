package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// ChainEntries must give, per asset, exactly the entries and order that
// Entries gives, with the chain fields intact.
func TestChainEntriesMatchesEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.EnsureLocalUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acct := &cointally.Account{UserID: u.ID, Name: "a", Exchange: "kraken", Status: cointally.StatusNoKey}
	if err := db.CreateAccount(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	assets := []string{"XXBT", "ZEUR", "DOT.S", "XETH", "KFEE"}
	var entries []cointally.Entry
	base := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		e := cointally.Entry{ID: fmt.Sprintf("L%06d", i), RefID: "R", Time: base.Add(time.Duration(rng.IntN(5000)) * time.Second),
			Type: "trade", Asset: assets[rng.IntN(len(assets))], Amount: money.New(int64(rng.IntN(1e6)-5e5), -4),
			Fee: money.New(int64(rng.IntN(100)), -4), Source: cointally.SourceAPI, Raw: []byte("{}")}
		if i%7 != 0 {
			e.Balance, e.HasBalance = money.New(int64(i), -2), true
		}
		entries = append(entries, e)
	}
	if _, err := db.PutEntries(ctx, acct.ID, entries, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string][]*cointally.Entry{}
	if err := db.Entries(ctx, acct.ID, func(e *cointally.Entry) error {
		want[e.Asset] = append(want[e.Asset], e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Each sink gets whole assets, in order, and is never called
	// concurrently (the race detector checks the unguarded maps).
	var sinks []map[string][]*cointally.Entry
	if err := db.ChainEntries(ctx, acct.ID, func() func(*cointally.Entry) error {
		m := map[string][]*cointally.Entry{}
		sinks = append(sinks, m)
		return func(e *cointally.Entry) error {
			m[e.Asset] = append(m[e.Asset], e)
			return nil
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(sinks) != 2 {
		t.Fatalf("%d sinks, want 2 (two readers)", len(sinks))
	}
	got := map[string][]*cointally.Entry{}
	n := 0
	for _, m := range sinks {
		for asset, list := range m {
			if got[asset] != nil {
				t.Fatalf("%s went to two sinks", asset)
			}
			got[asset] = list
			n += len(list)
		}
	}
	if n != len(entries) {
		t.Fatalf("ChainEntries gave %d entries, want %d", n, len(entries))
	}
	for asset, ws := range want {
		gs := got[asset]
		if len(gs) != len(ws) {
			t.Fatalf("%s: %d entries, want %d", asset, len(gs), len(ws))
		}
		for i := range ws {
			w, g := ws[i], gs[i]
			if g.ID != w.ID || !g.Time.Equal(w.Time) || g.Wallet != w.Wallet || !g.Amount.Equal(w.Amount) || !g.Fee.Equal(w.Fee) ||
				g.HasBalance != w.HasBalance || !g.Balance.Equal(w.Balance) || g.AccountID != acct.ID {
				t.Fatalf("%s #%d: got %+v, want %+v", asset, i, g, w)
			}
		}
	}
	// An error from a sink stops the walk and comes back unchanged.
	stop := errors.New("stop here")
	var calls atomic.Int64
	err = db.ChainEntries(ctx, acct.ID, func() func(*cointally.Entry) error {
		mine := 0
		return func(*cointally.Entry) error {
			calls.Add(1)
			if mine++; mine == 10 {
				return stop
			}
			return nil
		}
	})
	if !errors.Is(err, stop) || calls.Load() < 10 || calls.Load() >= int64(len(entries)) {
		t.Fatalf("err = %v after %d calls, want the sink's error after 10 to 19", err, calls.Load())
	}
}
