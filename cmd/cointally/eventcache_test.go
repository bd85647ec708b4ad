package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// TestEventCacheRoundTrip writes the events of a generated history and
// reads them back equal, and only under the same key.
func TestEventCacheRoundTrip(t *testing.T) {
	t.Parallel()
	acct := krakensim.Generate(krakensim.NewMarket(4), 4, "a", krakensim.DefaultHistorySpec(3000))
	c := kraken.NewClassifier(nil)
	for _, e := range acct.Entries {
		info, _ := krakensim.AssetByID(e.Asset)
		c.Add(&cointally.Entry{AccountID: 3, ID: e.ID, RefID: e.RefID, Time: e.Time.Time(), Type: e.Type, Subtype: e.Subtype,
			Asset: e.Asset, Amount: money.MustParse(krakensim.FormatFixed(e.Amount, info.Decimals)),
			Fee: money.MustParse(krakensim.FormatFixed(e.Fee, info.Decimals)), HasBalance: true})
	}
	// An unclassified event with a note.
	c.Add(&cointally.Entry{AccountID: 3, ID: "LX", RefID: "RX", Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Type: "nfttrade",
		Asset: "XETH", Amount: money.MustParse("-1"), HasBalance: true, Unknown: true})
	want := c.Finish()
	path := filepath.Join(t.TempDir(), "cache", "events.bin")
	if err := writeEventCache(path, "k1", want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := readEventCache(path, "k1")
	if err != nil || !ok {
		t.Fatalf("read: %v %v", ok, err)
	}
	if len(got.Events) != len(want.Events) || got.Entries != want.Entries || got.Canceled != want.Canceled {
		t.Fatalf("got %d events, %d entries; want %d, %d", len(got.Events), got.Entries, len(want.Events), want.Entries)
	}
	for i := range want.Events {
		if g, w := fmt.Sprintf("%+v", got.Events[i]), fmt.Sprintf("%+v", want.Events[i]); g != w {
			t.Fatalf("event %d:\n got %s\nwant %s", i, g, w)
		}
	}
	if !reflect.DeepEqual(got.Unclassified()[0].LedgerIDs, []string{"LX"}) {
		t.Errorf("unclassified = %+v", got.Unclassified())
	}
	if _, ok, err := readEventCache(path, "k2"); ok || err != nil {
		t.Errorf("another key: hit %v, %v", ok, err)
	}
	if _, ok, err := readEventCache(filepath.Join(t.TempDir(), "none"), "k1"); ok || err != nil {
		t.Errorf("no file: hit %v, %v", ok, err)
	}
}

// countingStore is a store counting how often the ledger is read.
type countingStore struct {
	*sqlstore.DB
	reads int
}

func (s *countingStore) UserEntries(ctx context.Context, userID int64, fn func(*cointally.Entry) error) error {
	s.reads++
	return s.DB.UserEntries(ctx, userID, fn)
}

// TestClassifyUsesEventCache: the second report reads the events from the
// cache; a change to the ledger makes the next one read it again; events
// prepared after an import or a sync spare the next report the reading.
func TestClassifyUsesEventCache(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "cointally.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.EnsureLocalUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acct := &cointally.Account{UserID: u.ID, Name: "a", Exchange: "kraken"}
	if err := db.CreateAccount(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	sim := krakensim.Generate(krakensim.NewMarket(2), 2, "a", krakensim.DefaultHistorySpec(400))
	var entries []cointally.Entry
	for _, e := range sim.Entries {
		info, _ := krakensim.AssetByID(e.Asset)
		entries = append(entries, cointally.Entry{ID: e.ID, RefID: e.RefID, Time: e.Time.Time(), Type: e.Type, Subtype: e.Subtype,
			Aclass: "currency", Asset: e.Asset, Amount: money.MustParse(krakensim.FormatFixed(e.Amount, info.Decimals)),
			Fee: money.MustParse(krakensim.FormatFixed(e.Fee, info.Decimals)), HasBalance: true,
			Balance: money.MustParse(krakensim.FormatFixed(e.Balance, info.Decimals)), Source: cointally.SourceAPI, Raw: []byte("{}")})
	}
	if _, err := db.PutEntries(ctx, acct.ID, entries, nil); err != nil {
		t.Fatal(err)
	}
	st := &countingStore{DB: db}
	a := &app{cfg: &config{dataDir: dir}, store: st, user: u, log: slog.New(slog.DiscardHandler)}
	accts := []*cointally.Account{acct}
	first, err := a.classify(ctx, accts, true)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.classify(ctx, accts, true)
	if err != nil {
		t.Fatal(err)
	}
	if st.reads != 1 || len(second.Events) != len(first.Events) || len(first.Events) == 0 {
		t.Fatalf("reads %d, events %d then %d; want one read and equal events", st.reads, len(first.Events), len(second.Events))
	}
	late := entries[len(entries)-1]
	late.ID, late.Time = "LLATE", late.Time.Add(time.Hour)
	if _, err := db.PutEntries(ctx, acct.ID, []cointally.Entry{late}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.classify(ctx, accts, true); err != nil || st.reads != 2 {
		t.Errorf("after a ledger change: reads %d, %v; want the ledger read again", st.reads, err)
	}
	late.ID, late.Time = "LLATER", late.Time.Add(time.Hour)
	if _, err := db.PutEntries(ctx, acct.ID, []cointally.Entry{late}, nil); err != nil {
		t.Fatal(err)
	}
	a.prepareEvents(ctx)
	a.prepareEvents(ctx) // current: nothing to do
	if st.reads != 3 {
		t.Fatalf("prepareEvents twice after a change: %d reads in all, want 3", st.reads)
	}
	got, err := a.classify(ctx, accts, true)
	if err != nil || st.reads != 3 || got.Entries != len(entries)+2 {
		t.Errorf("report after prepareEvents: reads %d, %d entries, %v; want the cache with %d entries", st.reads, got.Entries, err, len(entries)+2)
	}
}
