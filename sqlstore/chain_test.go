package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// ChainEntries splits the assets between two readers; the conformance
// suite (storetest) checks what they stream.
func TestChainEntriesTwoReaders(t *testing.T) {
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
	acct := &cointally.Account{UserID: u.ID, Name: "a", Exchange: "kraken"}
	if err := db.CreateAccount(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	var entries []cointally.Entry
	for i, asset := range []string{"XXBT", "XXBT", "ZEUR", "XETH"} {
		entries = append(entries, cointally.Entry{ID: fmt.Sprintf("L%d", i), Time: time.Date(2024, 1, 1, i, 0, 0, 0, time.UTC),
			Asset: asset, Amount: money.FromInt(1), Source: cointally.SourceAPI, Raw: []byte("{}")})
	}
	if _, err := db.PutEntries(ctx, acct.ID, entries, nil); err != nil {
		t.Fatal(err)
	}
	var sizes []*int
	err = db.ChainEntries(ctx, acct.ID, func() func(*cointally.Entry) error {
		n := new(int)
		sizes = append(sizes, n)
		return func(*cointally.Entry) error { *n++; return nil }
	})
	if err != nil {
		t.Fatal(err)
	}
	// XXBT (2 entries) on one reader, ZEUR and XETH on the other.
	if len(sizes) != 2 || *sizes[0] != 2 || *sizes[1] != 2 {
		t.Fatalf("%d readers, sizes %v; want two with 2 entries each", len(sizes), sizes)
	}
}
