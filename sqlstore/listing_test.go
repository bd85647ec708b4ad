package sqlstore_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// The listings for a whole-store copy give back everything stored.
func TestListings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
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
	for _, cp := range []cointally.Checkpoint{
		{AccountID: acct.ID, Stream: "ledger", Offset: 50, Count: 120, State: `{"x":1}`},
		{AccountID: acct.ID, Stream: "kraken-counter", Done: true, State: `{"counter":2}`},
	} {
		if err := db.PutCheckpoint(ctx, &cp); err != nil {
			t.Fatal(err)
		}
	}
	cps, err := db.Checkpoints(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 || cps[0].Stream != "kraken-counter" || !cps[0].Done || cps[1].Stream != "ledger" || cps[1].Offset != 50 || cps[1].Count != 120 || cps[1].State != `{"x":1}` {
		t.Errorf("checkpoints = %+v", cps)
	}

	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	if err := db.PutBalances(ctx, acct.ID, t1, []cointally.BalanceSnapshot{
		{Asset: "ZEUR", Amount: money.MustParse("10.5")}, {Asset: "XXBT", Amount: money.MustParse("0.1")}}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutBalances(ctx, acct.ID, t2, nil); err != nil { // empty: held nothing
		t.Fatal(err)
	}
	type set struct {
		at   time.Time
		list []cointally.BalanceSnapshot
	}
	var sets []set
	if err := db.BalanceHistory(ctx, acct.ID, func(at time.Time, b []cointally.BalanceSnapshot) error {
		sets = append(sets, set{at, b})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 || !sets[0].at.Equal(t1) || len(sets[0].list) != 2 || sets[0].list[0].Asset != "XXBT" ||
		!sets[0].list[0].Amount.Equal(money.MustParse("0.1")) || !sets[1].at.Equal(t2) || sets[1].list == nil || len(sets[1].list) != 0 {
		t.Errorf("balance history = %+v", sets)
	}

	for i, b := range []byte{1, 2} {
		s := &cointally.Session{TokenHash: bytes.Repeat([]byte{b}, 32), UserID: u.ID, CSRFToken: "c", Created: t1.Add(time.Duration(i) * time.Minute),
			Expires: t2, Address: "127.0.0.1"}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var got []*cointally.Session
	if err := db.AllSessions(ctx, func(s *cointally.Session) error { got = append(got, s); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TokenHash[0] != 1 || got[1].TokenHash[0] != 2 || !got[1].Expires.Equal(t2) || got[0].Address != "127.0.0.1" {
		t.Errorf("sessions = %+v", got)
	}
}
