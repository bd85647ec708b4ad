// Package storetest is the conformance suite for implementations of
// cointally.Store. Every implementation (SQLite and PostgreSQL in sqlstore,
// any fake) runs the same Run from its own tests, so they all keep the
// contracts documented in the cointally package: upserts keyed by ledger
// ID, source precedence, atomic checkpoints, locks, runs, isolation between
// users, and the error kinds of every outcome.
//
// The suite uses the store's real clock (lock expiry waits a few
// milliseconds) and opens a new store for each subtest.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// Run runs the suite. open must return a new, empty store for each call and
// close it when the test ends (t.Cleanup). Subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) cointally.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s cointally.Store)
	}{
		{"Users", testUsers},
		{"LocalUser", testLocalUser},
		{"CreateAccount", testCreateAccount},
		{"AccountsPerUser", testAccountsPerUser},
		{"UpdateAccount", testUpdateAccount},
		{"Credentials", testCredentials},
		{"NonceHighWater", testNonce},
		{"NonceConcurrent", testNonceConcurrent},
		{"DeleteAccount", testDeleteAccount},
		{"PutEntries", testPutEntries},
		{"PutEntriesInvalid", testPutEntriesInvalid},
		{"EntriesNoDuplicates", testNoDuplicates},
		{"EntrySourcePrecedence", testPrecedence},
		{"EntryIDRepeatedInBatch", testRepeatedInBatch},
		{"CheckpointAtomicWithPage", testCheckpointAtomic},
		{"Checkpoints", testCheckpoints},
		{"EntriesOrder", testEntriesOrder},
		{"EntriesCallbackError", testEntriesCallbackError},
		{"UserEntries", testUserEntries},
		{"FindEntries", testFindEntries},
		{"Trades", testTrades},
		{"Orders", testOrders},
		{"Funding", testFunding},
		{"Balances", testBalances},
		{"SyncRuns", testSyncRuns},
		{"InterruptStaleRuns", testInterruptStaleRuns},
		{"Lock", testLock},
		{"LockExpiry", testLockExpiry},
		{"LockConcurrent", testLockConcurrent},
		{"LedgerVersion", testLedgerVersion},
		{"Settings", testSettings},
		{"Grants", testGrants},
		{"Sessions", testSessions},
		{"LoginFailures", testLoginFailures},
		{"Prices", testPrices},
		{"PutEntriesConcurrent", testPutEntriesConcurrent},
		{"ChainEntries", testChainEntries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// base is a ledger time with Kraken's 1e-4 s precision.
var base = time.Date(2023, 7, 4, 9, 54, 44, 178_700_000, time.UTC)

func wantKind(t *testing.T, err error, kind cointally.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", kind)
	}
	var e *cointally.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %q (%T) is not a *cointally.Error", err, err)
	}
	if got := cointally.KindOf(err); got != kind {
		t.Fatalf("error %q has kind %v, want %v", err, got, kind)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newUser(t *testing.T, s cointally.Store, name string) *cointally.User {
	t.Helper()
	u := &cointally.User{Name: name}
	must(t, s.CreateUser(t.Context(), u))
	return u
}

func newAccount(t *testing.T, s cointally.Store, userID int64, name string) *cointally.Account {
	t.Helper()
	a := &cointally.Account{UserID: userID, Name: name, Exchange: "kraken"}
	c := &cointally.Credential{APIKeySealed: []byte("sealed-key-" + name), PrivateKeySealed: []byte("sealed-secret-" + name)}
	must(t, s.CreateAccount(t.Context(), a, c))
	return a
}

// setup returns a store with one user and one account.
func setup(t *testing.T, s cointally.Store) (*cointally.User, *cointally.Account) {
	t.Helper()
	u := newUser(t, s, "alice")
	return u, newAccount(t, s, u.ID, "main")
}

// entry returns an API entry with plausible values.
func entry(id string, at time.Time, asset, amount string) cointally.Entry {
	return cointally.Entry{
		ID: id, RefID: "T" + id, Time: at, Type: "trade", Aclass: "currency", Asset: asset,
		Amount: money.MustParse(amount), Fee: money.MustParse("0.0010"),
		Balance: money.MustParse("100.5"), HasBalance: true, Source: cointally.SourceAPI,
		Raw: fmt.Appendf(nil, `{"refid":"T%s","asset":%q,"amount":%q}`, id, asset, amount),
	}
}

// diffEntry describes how got differs from want, or returns "".
func diffEntry(got, want *cointally.Entry) string {
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s: got %v, want %v", name, g, w))
		}
	}
	check("ID", got.ID == want.ID, got.ID, want.ID)
	check("AccountID", want.AccountID == 0 || got.AccountID == want.AccountID, got.AccountID, want.AccountID)
	check("RefID", got.RefID == want.RefID, got.RefID, want.RefID)
	check("Time", got.Time.Equal(want.Time) && got.Time.Location() == time.UTC, got.Time, want.Time)
	check("Type", got.Type == want.Type, got.Type, want.Type)
	check("Subtype", got.Subtype == want.Subtype, got.Subtype, want.Subtype)
	check("Aclass", got.Aclass == want.Aclass, got.Aclass, want.Aclass)
	check("Asset", got.Asset == want.Asset, got.Asset, want.Asset)
	check("Wallet", got.Wallet == want.Wallet, got.Wallet, want.Wallet)
	check("Amount", got.Amount.Equal(want.Amount), got.Amount, want.Amount)
	check("Fee", got.Fee.Equal(want.Fee), got.Fee, want.Fee)
	check("HasBalance", got.HasBalance == want.HasBalance, got.HasBalance, want.HasBalance)
	check("Balance", !want.HasBalance || got.Balance.Equal(want.Balance), got.Balance, want.Balance)
	check("Source", got.Source == want.Source, got.Source, want.Source)
	check("Unknown", got.Unknown == want.Unknown, got.Unknown, want.Unknown)
	check("Raw", bytes.Equal(got.Raw, want.Raw), string(got.Raw), string(want.Raw))
	return strings.Join(d, "; ")
}

func allEntries(t *testing.T, s cointally.Store, accountID int64) []*cointally.Entry {
	t.Helper()
	var list []*cointally.Entry
	must(t, s.Entries(t.Context(), accountID, func(e *cointally.Entry) error {
		list = append(list, e)
		return nil
	}))
	return list
}

func ids(list []*cointally.Entry) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.ID
	}
	return out
}

func entryCount(t *testing.T, s cointally.Store, accountID int64) int {
	t.Helper()
	n, err := s.EntryCount(t.Context(), accountID)
	must(t, err)
	return n
}

func testUsers(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u := &cointally.User{Name: "alice", PasswordHash: "$argon2id$v=19$..."}
	must(t, s.CreateUser(ctx, u))
	if u.ID == 0 || u.Created.IsZero() {
		t.Fatalf("CreateUser did not set ID and Created: %+v", u)
	}
	bob := &cointally.User{Name: "bob", Admin: true}
	must(t, s.CreateUser(ctx, bob))

	wantKind(t, s.CreateUser(ctx, &cointally.User{Name: "alice"}), cointally.KindConflict)
	wantKind(t, s.CreateUser(ctx, &cointally.User{}), cointally.KindInvalid)

	got, err := s.User(ctx, u.ID)
	must(t, err)
	if got.Name != "alice" || got.PasswordHash != u.PasswordHash || got.Admin || !got.Created.Equal(u.Created) {
		t.Errorf("User = %+v, want %+v", got, u)
	}
	got, err = s.UserByName(ctx, "bob")
	must(t, err)
	if got.ID != bob.ID || !got.Admin {
		t.Errorf("UserByName(bob) = %+v", got)
	}
	_, err = s.User(ctx, 9999)
	wantKind(t, err, cointally.KindNotFound)
	_, err = s.UserByName(ctx, "carol")
	wantKind(t, err, cointally.KindNotFound)

	users, err := s.Users(ctx)
	must(t, err)
	if len(users) != 2 || users[0].ID != u.ID || users[1].ID != bob.ID {
		t.Errorf("Users = %v", users)
	}

	u.Name, u.Admin = "alicia", true
	must(t, s.UpdateUser(ctx, u))
	got, err = s.UserByName(ctx, "alicia")
	must(t, err)
	if !got.Admin {
		t.Errorf("UpdateUser did not store Admin")
	}
	wantKind(t, s.UpdateUser(ctx, &cointally.User{ID: u.ID, Name: "bob"}), cointally.KindConflict)
	wantKind(t, s.UpdateUser(ctx, &cointally.User{ID: 9999, Name: "x"}), cointally.KindNotFound)
	wantKind(t, s.UpdateUser(ctx, &cointally.User{ID: u.ID}), cointally.KindInvalid)
}

func testLocalUser(t *testing.T, s cointally.Store) {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[int64]bool{}
	)
	for range 8 {
		wg.Go(func() {
			u, err := s.EnsureLocalUser(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			if u.Name != cointally.LocalUserName || !u.Admin {
				t.Errorf("local user = %+v", u)
			}
			mu.Lock()
			ids[u.ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	users, err := s.Users(t.Context())
	must(t, err)
	if len(ids) != 1 || len(users) != 1 {
		t.Errorf("EnsureLocalUser made %d IDs and %d users, want 1", len(ids), len(users))
	}
}

func testCreateAccount(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u := newUser(t, s, "alice")
	a := &cointally.Account{
		UserID: u.ID, Name: "main", Exchange: "kraken", KeyHint: "abcd…wxyz", Tier: "intermediate",
		Permissions: []string{"query-funds", "query-ledger"}, RiskAccepted: true,
		SyncInterval: 90 * time.Minute, KeyLastUsed: base, LastSync: base.Add(time.Hour),
	}
	c := &cointally.Credential{APIKeySealed: []byte{0, 1, 2, 0xff}, PrivateKeySealed: []byte{0xfe, 0, 7}, NonceHighWater: 42}
	must(t, s.CreateAccount(ctx, a, c))
	if a.ID == 0 || a.Added.IsZero() || a.KeyAdded.IsZero() || c.AccountID != a.ID {
		t.Fatalf("CreateAccount did not set ID, Added, KeyAdded, AccountID: %+v %+v", a, c)
	}
	if a.Status != cointally.StatusOK {
		t.Errorf("Status = %q, want %q", a.Status, cointally.StatusOK)
	}
	got, err := s.AccountByID(ctx, a.ID)
	must(t, err)
	if got.Name != a.Name || got.UserID != u.ID || got.Exchange != "kraken" || got.KeyHint != a.KeyHint ||
		got.Tier != a.Tier || !slices.Equal(got.Permissions, a.Permissions) || !got.RiskAccepted ||
		got.Status != a.Status || got.SyncInterval != a.SyncInterval || !got.Added.Equal(a.Added) ||
		!got.KeyAdded.Equal(a.KeyAdded) || !got.KeyLastUsed.Equal(base) || !got.LastSync.Equal(a.LastSync) ||
		got.Added.Location() != time.UTC {
		t.Errorf("AccountByID = %+v\nwant %+v", got, a)
	}
	byName, err := s.Account(ctx, u.ID, "main")
	must(t, err)
	if byName.ID != a.ID {
		t.Errorf("Account(main).ID = %d, want %d", byName.ID, a.ID)
	}

	// Without a credential: a file-import account.
	f := &cointally.Account{UserID: u.ID, Name: "files", Exchange: "kraken"}
	must(t, s.CreateAccount(ctx, f, nil))
	if f.Status != cointally.StatusNoKey || !f.KeyAdded.IsZero() {
		t.Errorf("account without key: Status %q KeyAdded %v", f.Status, f.KeyAdded)
	}
	_, err = s.Credential(ctx, f.ID)
	wantKind(t, err, cointally.KindNotFound)

	for _, tc := range []struct {
		name string
		a    cointally.Account
		c    *cointally.Credential
		kind cointally.Kind
	}{
		{"name taken", cointally.Account{UserID: u.ID, Name: "main", Exchange: "kraken"}, c, cointally.KindConflict},
		{"no name", cointally.Account{UserID: u.ID, Exchange: "kraken"}, nil, cointally.KindInvalid},
		{"no exchange", cointally.Account{UserID: u.ID, Name: "x"}, nil, cointally.KindInvalid},
		{"no user", cointally.Account{UserID: 9999, Name: "x", Exchange: "kraken"}, nil, cointally.KindNotFound},
		{"empty sealed key", cointally.Account{UserID: u.ID, Name: "x", Exchange: "kraken"},
			&cointally.Credential{PrivateKeySealed: []byte{1}}, cointally.KindInvalid},
		{"nonce out of range", cointally.Account{UserID: u.ID, Name: "x", Exchange: "kraken"},
			&cointally.Credential{APIKeySealed: []byte{1}, PrivateKeySealed: []byte{1}, NonceHighWater: math.MaxUint64}, cointally.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantKind(t, s.CreateAccount(ctx, &tc.a, tc.c), tc.kind)
		})
	}
	list, err := s.Accounts(ctx, u.ID)
	must(t, err)
	if len(list) != 2 {
		t.Errorf("after refused creates: %d accounts, want 2", len(list))
	}
	_, err = s.AccountByID(ctx, 9999)
	wantKind(t, err, cointally.KindNotFound)
	_, err = s.Account(ctx, u.ID, "nope")
	wantKind(t, err, cointally.KindNotFound)
}

func testAccountsPerUser(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	a2 := newAccount(t, s, alice.ID, "savings")
	a1 := newAccount(t, s, alice.ID, "main")
	b1 := newAccount(t, s, bob.ID, "main") // the same name for another user is fine

	list, err := s.Accounts(ctx, alice.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != a1.ID || list[1].ID != a2.ID {
		t.Errorf("Accounts(alice) = %v, want main, savings", list)
	}
	got, err := s.Account(ctx, bob.ID, "main")
	must(t, err)
	if got.ID != b1.ID {
		t.Errorf("Account(bob, main) = %d, want %d", got.ID, b1.ID)
	}
	_, err = s.Account(ctx, bob.ID, "savings")
	wantKind(t, err, cointally.KindNotFound)
	all, err := s.AllAccounts(ctx)
	must(t, err)
	if len(all) != 3 || all[0].ID != a2.ID || all[2].ID != b1.ID {
		t.Errorf("AllAccounts = %v", all)
	}
	none, err := s.Accounts(ctx, 9999)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Errorf("Accounts(no user) = %#v, want an empty slice", none)
	}

	// Entries of one user's account are not another's.
	_, err = s.PutEntries(ctx, a1.ID, []cointally.Entry{entry("L1", base, "XXBT", "1")}, nil)
	must(t, err)
	if n := entryCount(t, s, b1.ID); n != 0 {
		t.Errorf("bob sees %d of alice's entries", n)
	}
}

func testUpdateAccount(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u, a := setup(t, s)
	other := newAccount(t, s, u.ID, "other")
	a.Name, a.Status, a.StatusReason = "renamed", cointally.StatusNeedsNewKey, "Kraken says the key is invalid"
	a.Permissions, a.Tier, a.LastSync, a.SyncInterval = []string{"query-ledger"}, "pro", base, time.Hour
	must(t, s.UpdateAccount(ctx, a))
	got, err := s.AccountByID(ctx, a.ID)
	must(t, err)
	if got.Name != "renamed" || got.Status != a.Status || got.StatusReason != a.StatusReason ||
		!slices.Equal(got.Permissions, a.Permissions) || got.Tier != "pro" || !got.LastSync.Equal(base) ||
		got.SyncInterval != time.Hour {
		t.Errorf("after UpdateAccount: %+v", got)
	}
	wantKind(t, s.UpdateAccount(ctx, &cointally.Account{ID: a.ID, Name: other.Name}), cointally.KindConflict)
	wantKind(t, s.UpdateAccount(ctx, &cointally.Account{ID: 9999, Name: "x"}), cointally.KindNotFound)
	wantKind(t, s.UpdateAccount(ctx, &cointally.Account{ID: a.ID}), cointally.KindInvalid)
}

func testCredentials(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	c, err := s.Credential(ctx, a.ID)
	must(t, err)
	if string(c.APIKeySealed) != "sealed-key-main" || string(c.PrivateKeySealed) != "sealed-secret-main" || c.AccountID != a.ID {
		t.Errorf("Credential = %+v", c)
	}

	// Opaque bytes: every byte value, kept exactly.
	blob := make([]byte, 4096)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	before, err := s.AccountByID(ctx, a.ID)
	must(t, err)
	_, err = s.AdvanceNonce(ctx, a.ID, 500)
	must(t, err)
	must(t, s.PutCredential(ctx, &cointally.Credential{AccountID: a.ID, APIKeySealed: blob, PrivateKeySealed: blob[:3], NonceHighWater: 10}))
	c, err = s.Credential(ctx, a.ID)
	must(t, err)
	if !bytes.Equal(c.APIKeySealed, blob) || !bytes.Equal(c.PrivateKeySealed, blob[:3]) {
		t.Errorf("rotated credential bytes differ")
	}
	if c.NonceHighWater != 500 {
		t.Errorf("after rotation NonceHighWater = %d, want 500 (never lower)", c.NonceHighWater)
	}
	after, err := s.AccountByID(ctx, a.ID)
	must(t, err)
	if after.KeyAdded.Before(before.KeyAdded) {
		t.Errorf("KeyAdded went back from %v to %v", before.KeyAdded, after.KeyAdded)
	}

	wantKind(t, s.PutCredential(ctx, &cointally.Credential{AccountID: 9999, APIKeySealed: blob, PrivateKeySealed: blob}), cointally.KindNotFound)
	wantKind(t, s.PutCredential(ctx, &cointally.Credential{AccountID: a.ID, APIKeySealed: blob}), cointally.KindInvalid)
	_, err = s.Credential(ctx, 9999)
	wantKind(t, err, cointally.KindNotFound)
}

func testNonce(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u, a := setup(t, s)
	for _, tc := range []struct {
		n, want uint64
	}{
		{100, 100},
		{150, 150},
		{120, 150}, // lower: the stored mark wins
		{150, 150},
		{math.MaxInt64, math.MaxInt64},
	} {
		got, err := s.AdvanceNonce(ctx, a.ID, tc.n)
		must(t, err)
		if got != tc.want {
			t.Errorf("AdvanceNonce(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
	c, err := s.Credential(ctx, a.ID)
	must(t, err)
	if c.NonceHighWater != math.MaxInt64 {
		t.Errorf("stored mark = %d", c.NonceHighWater)
	}
	_, err = s.AdvanceNonce(ctx, a.ID, math.MaxInt64+1)
	wantKind(t, err, cointally.KindInvalid)
	f := &cointally.Account{UserID: u.ID, Name: "files", Exchange: "kraken"}
	must(t, s.CreateAccount(ctx, f, nil))
	_, err = s.AdvanceNonce(ctx, f.ID, 1)
	wantKind(t, err, cointally.KindNotFound)
	_, err = s.AdvanceNonce(ctx, 9999, 1)
	wantKind(t, err, cointally.KindNotFound)
}

func testNonceConcurrent(t *testing.T, s cointally.Store) {
	_, a := setup(t, s)
	const workers, calls = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var last uint64
			for i := range calls {
				n := uint64(1_000 + i*workers + w) // interleaved, so calls race with higher and lower values
				got, err := s.AdvanceNonce(t.Context(), a.ID, n)
				if err != nil {
					t.Error(err)
					return
				}
				if got < n || got < last {
					t.Errorf("AdvanceNonce(%d) = %d after %d: the mark went back", n, got, last)
				}
				last = got
			}
		})
	}
	wg.Wait()
	c, err := s.Credential(t.Context(), a.ID)
	must(t, err)
	if want := uint64(1_000 + calls*workers - 1); c.NonceHighWater != want {
		t.Errorf("final mark = %d, want %d", c.NonceHighWater, want)
	}
}

func testDeleteAccount(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u := newUser(t, s, "alice")
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keepData=%v", keep), func(t *testing.T) {
			name := fmt.Sprint("acct-", keep)
			a := newAccount(t, s, u.ID, name)
			_, err := s.PutEntries(ctx, a.ID, []cointally.Entry{entry("L1", base, "XXBT", "1"), entry("L2", base, "ZEUR", "-5")},
				&cointally.Checkpoint{Stream: "ledger", Offset: 2})
			must(t, err)
			run := &cointally.SyncRun{AccountID: a.ID}
			must(t, s.StartRun(ctx, run))
			must(t, s.DeleteAccount(ctx, a.ID, keep))

			_, err = s.Credential(ctx, a.ID)
			wantKind(t, err, cointally.KindNotFound)
			runs, err := s.Runs(ctx, a.ID, 0)
			must(t, err)
			got, err := s.AccountByID(ctx, a.ID)
			if !keep {
				wantKind(t, err, cointally.KindNotFound)
				if n := entryCount(t, s, a.ID); n != 0 || len(runs) != 0 {
					t.Errorf("deleted account left %d entries and %d runs", n, len(runs))
				}
				// The name is free again.
				newAccount(t, s, u.ID, name)
				return
			}
			must(t, err)
			if got.Status != cointally.StatusNoKey || got.KeyHint != "" || len(got.Permissions) != 0 {
				t.Errorf("kept account: %+v", got)
			}
			if n := entryCount(t, s, a.ID); n != 2 || len(runs) != 1 {
				t.Errorf("kept account has %d entries and %d runs, want 2 and 1", n, len(runs))
			}
		})
	}
	wantKind(t, s.DeleteAccount(ctx, 9999, false), cointally.KindNotFound)
	wantKind(t, s.DeleteAccount(ctx, 9999, true), cointally.KindNotFound)
}

func testPutEntries(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	pending := entry("LPEND", base.Add(time.Second), "XXBT", "0.5")
	pending.Type, pending.Subtype, pending.Wallet, pending.Source = "deposit", "", "spot / main", cointally.SourceCSV
	pending.HasBalance, pending.Balance = false, money.Zero
	odd := entry("LODD", base.Add(2*time.Second), "DOT28.S", "-123456789012345678901234.123456789012345678")
	odd.Type, odd.Subtype, odd.Unknown, odd.Source = "newtype", "weird", true, cointally.SourceExport
	odd.Fee, odd.Balance = money.Zero, money.MustParse("-0.000000000000000001")
	noRaw := entry("LNORAW", base.Add(3*time.Second), "ZEUR", "1")
	noRaw.Raw = nil
	in := []cointally.Entry{entry("L1", base, "XXBT", "1.50"), pending, odd, noRaw}

	res, err := s.PutEntries(ctx, a.ID, in, nil)
	must(t, err)
	if res.Added != 4 || res.Replaced != 0 || len(res.Diffs) != 0 {
		t.Errorf("PutEntries = %+v, want 4 added", res)
	}
	got := allEntries(t, s, a.ID)
	if len(got) != len(in) {
		t.Fatalf("stored %d entries, want %d", len(got), len(in))
	}
	in[3].Raw = []byte{}
	for i := range in {
		in[i].AccountID = a.ID
		if d := diffEntry(got[i], &in[i]); d != "" {
			t.Errorf("entry %s: %s", in[i].ID, d)
		}
	}
	if n := entryCount(t, s, a.ID); n != 4 {
		t.Errorf("EntryCount = %d", n)
	}
	newest, err := s.NewestEntry(ctx, a.ID)
	must(t, err)
	if newest.ID != "LNORAW" {
		t.Errorf("NewestEntry = %s", newest.ID)
	}

	// An empty batch is fine; an unknown account is not.
	res, err = s.PutEntries(ctx, a.ID, nil, nil)
	must(t, err)
	if res.Added != 0 {
		t.Errorf("empty batch added %d", res.Added)
	}
	_, err = s.PutEntries(ctx, 9999, in[:1], nil)
	wantKind(t, err, cointally.KindNotFound)
	empty := newAccount(t, s, a.UserID, "empty")
	_, err = s.NewestEntry(ctx, empty.ID)
	wantKind(t, err, cointally.KindNotFound)
	if n := entryCount(t, s, empty.ID); n != 0 {
		t.Errorf("EntryCount(empty) = %d", n)
	}
}

func testPutEntriesInvalid(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	other := newAccount(t, s, a.UserID, "other")
	good := entry("LGOOD", base, "XXBT", "1")
	for _, tc := range []struct {
		name   string
		modify func(e *cointally.Entry)
	}{
		{"no ID", func(e *cointally.Entry) { e.ID = "" }},
		{"no asset", func(e *cointally.Entry) { e.Asset = "" }},
		{"no time", func(e *cointally.Entry) { e.Time = time.Time{} }},
		{"no source", func(e *cointally.Entry) { e.Source = "" }},
		{"unknown source", func(e *cointally.Entry) { e.Source = "scraped" }},
		{"other account", func(e *cointally.Entry) { e.AccountID = other.ID }},
		{"control character", func(e *cointally.Entry) { e.Wallet = "spot\x1fmain" }},
		{"newline in ID", func(e *cointally.Entry) { e.ID = "L1\n" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := entry("LBAD", base.Add(time.Second), "ZEUR", "2")
			tc.modify(&bad)
			_, err := s.PutEntries(ctx, a.ID, []cointally.Entry{good, bad}, nil)
			wantKind(t, err, cointally.KindInvalid)
			if n := entryCount(t, s, a.ID); n != 0 {
				t.Errorf("a refused batch stored %d entries", n)
			}
		})
	}
	_, err := s.PutEntries(ctx, a.ID, []cointally.Entry{good}, &cointally.Checkpoint{})
	wantKind(t, err, cointally.KindInvalid)
	_, err = s.PutEntries(ctx, a.ID, []cointally.Entry{good}, &cointally.Checkpoint{AccountID: other.ID, Stream: "ledger"})
	wantKind(t, err, cointally.KindInvalid)
	if n := entryCount(t, s, a.ID); n != 0 {
		t.Errorf("a refused batch stored %d entries", n)
	}
}

func testNoDuplicates(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	// Big enough to cross any internal chunking of a batch.
	var batch []cointally.Entry
	for i := range 450 {
		batch = append(batch, entry(fmt.Sprintf("L%04d", i), base.Add(time.Duration(i)*time.Minute), "XXBT", "1"))
	}
	res, err := s.PutEntries(ctx, a.ID, batch[:270], nil)
	must(t, err)
	if res.Added != 270 {
		t.Fatalf("first put added %d", res.Added)
	}
	// Overlapping pages, as a resumed walk or a second import produces.
	res, err = s.PutEntries(ctx, a.ID, batch[135:], nil)
	must(t, err)
	if res.Added != 180 || res.Replaced != 0 || len(res.Diffs) != 0 {
		t.Errorf("overlapping put = %d added, %d replaced, %d diffs; want 180 added, nothing else", res.Added, res.Replaced, len(res.Diffs))
	}
	res, err = s.PutEntries(ctx, a.ID, batch, nil)
	must(t, err)
	if res.Added != 0 || len(res.Diffs) != 0 {
		t.Errorf("repeated put = %d added, %d diffs; want nothing", res.Added, len(res.Diffs))
	}
	// One stored ID with a different amount, deep inside a big batch.
	changed := slices.Clone(batch)
	changed[333].Amount = money.MustParse("9")
	res, err = s.PutEntries(ctx, a.ID, changed, nil)
	must(t, err)
	if res.Added != 0 || len(res.Diffs) != 1 || res.Diffs[0].ID != "L0333" {
		t.Errorf("changed put = %d added, diffs %v; want one diff for L0333", res.Added, res.Diffs)
	}
	if n := entryCount(t, s, a.ID); n != 450 {
		t.Errorf("EntryCount = %d, want 450", n)
	}
	if got := allEntries(t, s, a.ID); len(got) != 450 || got[449].ID != "L0449" || !got[333].Amount.Equal(money.FromInt(1)) {
		t.Errorf("after the puts: %d entries, last %s", len(got), got[len(got)-1].ID)
	}
}

func testPrecedence(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u := newUser(t, s, "alice")
	const (
		api, export, csv = cointally.SourceAPI, cointally.SourceExport, cointally.SourceCSV
	)
	for _, tc := range []struct {
		name           string
		stored, offer  string // sources
		change         func(e *cointally.Entry)
		wantReplaced   bool
		wantFields     []string
		wantSource     string
		offeredWallet  string
		storedNoBal    bool
		offeredNoBal   bool
		wantHasBalance bool
	}{
		{name: "api replaces csv", stored: csv, offer: api, wantReplaced: true, wantSource: api, wantHasBalance: true},
		{name: "api replaces export", stored: export, offer: api, wantReplaced: true, wantSource: api, wantHasBalance: true},
		{name: "export replaces csv", stored: csv, offer: export, wantReplaced: true, wantSource: export, wantHasBalance: true},
		{name: "csv never replaces api", stored: api, offer: csv, wantSource: api, wantHasBalance: true},
		{name: "csv never replaces export", stored: export, offer: csv, wantSource: export, wantHasBalance: true},
		{name: "csv does not replace csv", stored: csv, offer: csv, wantSource: csv, wantHasBalance: true},
		{name: "api differs from csv: replaced and reported", stored: csv, offer: api,
			change:       func(e *cointally.Entry) { e.Amount = money.MustParse("2"); e.Fee = money.MustParse("0.5") },
			wantReplaced: true, wantFields: []string{"amount", "fee"}, wantSource: api, wantHasBalance: true},
		{name: "csv differs from api: kept and reported", stored: api, offer: csv,
			change: func(e *cointally.Entry) {
				e.Asset, e.Time, e.Balance = "XETH", e.Time.Add(time.Second), money.MustParse("7")
			},
			wantFields: []string{"asset", "time", "balance"}, wantSource: api, wantHasBalance: true},
		{name: "api differs from api: kept and reported", stored: api, offer: api,
			change:     func(e *cointally.Entry) { e.Amount = money.MustParse("1.1") },
			wantFields: []string{"amount"}, wantSource: api, wantHasBalance: true},
		{name: "same number written differently is no difference", stored: api, offer: csv,
			change:     func(e *cointally.Entry) { e.Amount = money.MustParse("1.0000") },
			wantSource: api, wantHasBalance: true},
		{name: "replacement keeps the stored wallet when the offered has none", stored: csv, offer: api,
			wantReplaced: true, wantSource: api, wantHasBalance: true},
		{name: "replacement takes the offered wallet", stored: csv, offer: api, offeredWallet: "earn / flexible",
			wantReplaced: true, wantSource: api, wantHasBalance: true},
		{name: "a missing balance is no difference", stored: csv, offer: api, storedNoBal: true,
			change:       func(e *cointally.Entry) { e.Balance = money.MustParse("3") },
			wantReplaced: true, wantSource: api, wantHasBalance: true},
		{name: "csv without balance does not replace api", stored: api, offer: csv, offeredNoBal: true,
			wantSource: api, wantHasBalance: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccount(t, s, u.ID, tc.name)
			old := entry("LX", base, "XXBT", "1")
			old.Source = tc.stored
			old.Raw = []byte(`{"stored":true}`)
			if tc.stored == csv {
				old.Wallet = "spot / main"
			}
			if tc.storedNoBal {
				old.HasBalance, old.Balance = false, money.Zero
			}
			_, err := s.PutEntries(ctx, a.ID, []cointally.Entry{old}, nil)
			must(t, err)

			offer := entry("LX", base, "XXBT", "1")
			offer.Source, offer.Wallet = tc.offer, tc.offeredWallet
			offer.Raw = []byte(`{"offered":true}`)
			if tc.offeredNoBal {
				offer.HasBalance, offer.Balance = false, money.Zero
			}
			if tc.change != nil {
				tc.change(&offer)
			}
			res, err := s.PutEntries(ctx, a.ID, []cointally.Entry{offer}, nil)
			must(t, err)
			if res.Added != 0 || (res.Replaced == 1) != tc.wantReplaced {
				t.Errorf("result %+v, want added 0, replaced %v", res, tc.wantReplaced)
			}
			var fields []string
			if len(res.Diffs) > 0 {
				d := res.Diffs[0]
				fields = d.Fields
				if d.ID != "LX" || d.Replaced != tc.wantReplaced || d.Stored.Source != tc.stored ||
					d.Offered.Source != tc.offer || len(res.Diffs) != 1 {
					t.Errorf("diff = %+v", res.Diffs)
				}
				if dd := diffEntry(&d.Stored, &cointally.Entry{ID: old.ID, AccountID: a.ID, RefID: old.RefID, Time: old.Time,
					Type: old.Type, Aclass: old.Aclass, Asset: old.Asset, Wallet: old.Wallet, Amount: old.Amount,
					Fee: old.Fee, Balance: old.Balance, HasBalance: old.HasBalance, Source: old.Source,
					Raw: d.Stored.Raw}); dd != "" {
					t.Errorf("diff.Stored: %s", dd)
				}
			}
			if !slices.Equal(fields, tc.wantFields) {
				t.Errorf("diff fields = %q, want %q", fields, tc.wantFields)
			}
			got := allEntries(t, s, a.ID)
			if len(got) != 1 {
				t.Fatalf("%d entries stored, want 1", len(got))
			}
			e := got[0]
			want := old
			if tc.wantReplaced {
				want = offer
				if want.Wallet == "" {
					want.Wallet = old.Wallet
				}
			}
			want.AccountID = a.ID
			if d := diffEntry(e, &want); d != "" {
				t.Errorf("stored entry: %s", d)
			}
			if e.Source != tc.wantSource || e.HasBalance != tc.wantHasBalance {
				t.Errorf("stored source %q balance %v, want %q %v", e.Source, e.HasBalance, tc.wantSource, tc.wantHasBalance)
			}
		})
	}
}

func testRepeatedInBatch(t *testing.T, s cointally.Store) {
	_, a := setup(t, s)
	first := entry("L1", base, "XXBT", "1")
	first.Source = cointally.SourceCSV
	second := entry("L1", base, "XXBT", "2")
	res, err := s.PutEntries(t.Context(), a.ID, []cointally.Entry{first, second}, nil)
	must(t, err)
	if res.Added != 1 || res.Replaced != 1 || len(res.Diffs) != 1 || !slices.Equal(res.Diffs[0].Fields, []string{"amount"}) {
		t.Errorf("result = %+v, want 1 added, 1 replaced, 1 amount diff", res)
	}
	got := allEntries(t, s, a.ID)
	if len(got) != 1 || !got[0].Amount.Equal(money.FromInt(2)) || got[0].Source != cointally.SourceAPI {
		t.Errorf("stored %v", got)
	}
}

func testCheckpointAtomic(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	page := func(from int) []cointally.Entry {
		var p []cointally.Entry
		for i := from; i < from+50; i++ {
			p = append(p, entry(fmt.Sprintf("L%03d", i), base.Add(time.Duration(i)*time.Second), "XXBT", "1"))
		}
		return p
	}
	cp := &cointally.Checkpoint{Stream: "ledger", Window: "1700000000", Start: "0", Offset: 50, Count: 150, State: `{"walk":1}`}
	_, err := s.PutEntries(ctx, a.ID, page(0), cp)
	must(t, err)
	got, err := s.Checkpoint(ctx, a.ID, "ledger")
	must(t, err)
	want := *cp
	want.AccountID = a.ID
	if *got != want {
		t.Errorf("Checkpoint = %+v, want %+v", got, want)
	}

	// The second page fails on its last entry: neither the page nor the
	// checkpoint that follows it may be stored.
	bad := page(50)
	bad[len(bad)-1].Source = "bogus"
	_, err = s.PutEntries(ctx, a.ID, bad, &cointally.Checkpoint{Stream: "ledger", Offset: 100, Count: 150})
	wantKind(t, err, cointally.KindInvalid)
	if n := entryCount(t, s, a.ID); n != 50 {
		t.Errorf("after a failed page: %d entries, want 50", n)
	}
	got, err = s.Checkpoint(ctx, a.ID, "ledger")
	must(t, err)
	if got.Offset != 50 {
		t.Errorf("after a failed page the checkpoint moved to %d", got.Offset)
	}

	// A canceled context stores nothing either.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.PutEntries(cctx, a.ID, page(50), &cointally.Checkpoint{Stream: "ledger", Offset: 100})
	if err == nil {
		t.Fatalf("PutEntries with a canceled context succeeded")
	}
	if n := entryCount(t, s, a.ID); n != 50 {
		t.Errorf("after a canceled page: %d entries, want 50", n)
	}

	// Resuming from the checkpoint completes the walk.
	_, err = s.PutEntries(ctx, a.ID, page(50), &cointally.Checkpoint{Stream: "ledger", Offset: 100, Count: 150, Done: true})
	must(t, err)
	got, err = s.Checkpoint(ctx, a.ID, "ledger")
	must(t, err)
	if got.Offset != 100 || !got.Done || got.Window != "" {
		t.Errorf("checkpoint = %+v, want offset 100, done, replaced whole", got)
	}
	if n := entryCount(t, s, a.ID); n != 100 {
		t.Errorf("EntryCount = %d, want 100", n)
	}
}

func testCheckpoints(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	_, err := s.Checkpoint(ctx, a.ID, "trades")
	wantKind(t, err, cointally.KindNotFound)
	for _, stream := range []string{"ledger", "trades", "orders", "export"} {
		must(t, s.PutCheckpoint(ctx, &cointally.Checkpoint{AccountID: a.ID, Stream: stream, Offset: len(stream)}))
	}
	must(t, s.PutCheckpoint(ctx, &cointally.Checkpoint{AccountID: a.ID, Stream: "trades", Offset: 7, State: "{}"}))
	got, err := s.Checkpoint(ctx, a.ID, "trades")
	must(t, err)
	if got.Offset != 7 || got.State != "{}" || got.Stream != "trades" || got.AccountID != a.ID {
		t.Errorf("Checkpoint(trades) = %+v", got)
	}
	// Trades and orders pages carry their checkpoints too.
	_, err = s.PutTrades(ctx, a.ID, []cointally.Trade{{ID: "T1", Time: base}}, &cointally.Checkpoint{Stream: "trades", Offset: 8})
	must(t, err)
	_, err = s.PutOrders(ctx, a.ID, []cointally.Order{{ID: "O1", Status: "closed"}}, &cointally.Checkpoint{Stream: "orders", Offset: 9})
	must(t, err)
	for stream, want := range map[string]int{"trades": 8, "orders": 9} {
		got, err := s.Checkpoint(ctx, a.ID, stream)
		must(t, err)
		if got.Offset != want {
			t.Errorf("%s checkpoint offset = %d, want %d", stream, got.Offset, want)
		}
	}
	must(t, s.ClearCheckpoints(ctx, a.ID))
	for _, stream := range []string{"ledger", "trades", "orders", "export"} {
		_, err := s.Checkpoint(ctx, a.ID, stream)
		wantKind(t, err, cointally.KindNotFound)
	}
	must(t, s.ClearCheckpoints(ctx, a.ID))
	wantKind(t, s.PutCheckpoint(ctx, &cointally.Checkpoint{AccountID: 9999, Stream: "ledger"}), cointally.KindNotFound)
	wantKind(t, s.PutCheckpoint(ctx, &cointally.Checkpoint{AccountID: a.ID}), cointally.KindInvalid)
}

func testEntriesOrder(t *testing.T, s cointally.Store) {
	_, a := setup(t, s)
	// Kraken returns pages newest first and objects keyed by ID, so the
	// store must order by time, then ID, whatever the insertion order.
	in := []cointally.Entry{
		entry("LC", base.Add(time.Second), "XXBT", "1"),
		entry("LB", base, "XXBT", "1"),
		entry("LZ", base.Add(-time.Hour), "XXBT", "1"),
		entry("LA", base, "ZEUR", "-1"),
		entry("LD", base.Add(100*time.Microsecond), "XXBT", "1"),
	}
	_, err := s.PutEntries(t.Context(), a.ID, in[:2], nil)
	must(t, err)
	_, err = s.PutEntries(t.Context(), a.ID, in[2:], nil)
	must(t, err)
	if got, want := ids(allEntries(t, s, a.ID)), []string{"LZ", "LA", "LB", "LD", "LC"}; !slices.Equal(got, want) {
		t.Errorf("Entries order = %v, want %v", got, want)
	}
}

func testEntriesCallbackError(t *testing.T, s cointally.Store) {
	_, a := setup(t, s)
	var batch []cointally.Entry
	for i := range 10 {
		batch = append(batch, entry(fmt.Sprintf("L%d", i), base.Add(time.Duration(i)*time.Second), "XXBT", "1"))
	}
	_, err := s.PutEntries(t.Context(), a.ID, batch, nil)
	must(t, err)
	stop := errors.New("stop")
	calls := 0
	err = s.Entries(t.Context(), a.ID, func(*cointally.Entry) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 3 { //nolint:errorlint // the contract is "unchanged", so identity
		t.Errorf("Entries returned %v after %d calls, want the callback's error after 3", err, calls)
	}
	err = s.Entries(t.Context(), 9999, func(*cointally.Entry) error { t.Error("called for no account"); return nil })
	must(t, err)
}

func testUserEntries(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	a1, a2 := newAccount(t, s, alice.ID, "one"), newAccount(t, s, alice.ID, "two")
	b1 := newAccount(t, s, bob.ID, "one")
	put := func(acc *cointally.Account, es ...cointally.Entry) {
		_, err := s.PutEntries(ctx, acc.ID, es, nil)
		must(t, err)
	}
	put(a1, entry("L3", base.Add(2*time.Second), "XXBT", "1"), entry("L1", base, "XXBT", "1"))
	put(a2, entry("L2", base.Add(time.Second), "ZEUR", "1"), entry("L1", base, "ZEUR", "1"))
	put(b1, entry("LB", base.Add(time.Second), "XXBT", "1"))

	var got []string
	must(t, s.UserEntries(ctx, alice.ID, func(e *cointally.Entry) error {
		got = append(got, fmt.Sprintf("%s@%d", e.ID, e.AccountID))
		return nil
	}))
	want := []string{fmt.Sprintf("L1@%d", a1.ID), fmt.Sprintf("L1@%d", a2.ID), fmt.Sprintf("L2@%d", a2.ID), fmt.Sprintf("L3@%d", a1.ID)}
	if !slices.Equal(got, want) {
		t.Errorf("UserEntries(alice) = %v, want %v", got, want)
	}
	got = nil
	must(t, s.UserEntries(ctx, bob.ID, func(e *cointally.Entry) error { got = append(got, e.ID); return nil }))
	if !slices.Equal(got, []string{"LB"}) {
		t.Errorf("UserEntries(bob) = %v", got)
	}
}

func testFindEntries(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	a1, a2 := newAccount(t, s, alice.ID, "one"), newAccount(t, s, alice.ID, "two")
	b1 := newAccount(t, s, bob.ID, "one")
	var batch []cointally.Entry
	for i := range 30 {
		asset, typ := "XXBT", "trade"
		if i%3 == 0 {
			asset = "ZEUR"
		}
		if i%5 == 0 {
			typ = "deposit"
		}
		e := entry(fmt.Sprintf("L%02d", i), base.Add(time.Duration(i)*time.Hour), asset, "1")
		e.Type = typ
		batch = append(batch, e)
	}
	_, err := s.PutEntries(ctx, a1.ID, batch, nil)
	must(t, err)
	m1 := entry("M1", base.Add(90*time.Minute), "XETH", "1")
	m1.RefID = "TL01" // the other leg of L01's transaction, in another account
	_, err = s.PutEntries(ctx, a2.ID, []cointally.Entry{m1}, nil)
	must(t, err)
	b := entry("B1", base, "XXBT", "1")
	b.RefID = "TL01"
	_, err = s.PutEntries(ctx, b1.ID, []cointally.Entry{b}, nil)
	must(t, err)

	for _, tc := range []struct {
		name  string
		f     cointally.EntryFilter
		want  []string
		total int
	}{
		{"page 1", cointally.EntryFilter{UserID: alice.ID, Limit: 3}, []string{"L00", "L01", "M1"}, 31},
		{"page 2", cointally.EntryFilter{UserID: alice.ID, Limit: 3, Offset: 3}, []string{"L02", "L03", "L04"}, 31},
		{"past the end", cointally.EntryFilter{UserID: alice.ID, Limit: 3, Offset: 40}, []string{}, 31},
		{"newest first", cointally.EntryFilter{UserID: alice.ID, Limit: 2, Descending: true}, []string{"L29", "L28"}, 31},
		{"newest first, across accounts", cointally.EntryFilter{UserID: alice.ID, Limit: 3, Offset: 27, Descending: true},
			[]string{"L02", "M1", "L01"}, 31},
		{"one account", cointally.EntryFilter{UserID: alice.ID, AccountID: a2.ID}, []string{"M1"}, 1},
		{"asset", cointally.EntryFilter{UserID: alice.ID, Asset: "ZEUR", Limit: 4}, []string{"L00", "L03", "L06", "L09"}, 10},
		{"type", cointally.EntryFilter{UserID: alice.ID, Type: "deposit"}, []string{"L00", "L05", "L10", "L15", "L20", "L25"}, 6},
		{"asset and type", cointally.EntryFilter{UserID: alice.ID, Asset: "ZEUR", Type: "deposit"}, []string{"L00", "L15"}, 2},
		{"from (inclusive) to (exclusive)", cointally.EntryFilter{UserID: alice.ID, From: base.Add(2 * time.Hour), To: base.Add(5 * time.Hour)},
			[]string{"L02", "L03", "L04"}, 3},
		{"from only", cointally.EntryFilter{UserID: alice.ID, From: base.Add(28 * time.Hour)}, []string{"L28", "L29"}, 2},
		{"another user's account", cointally.EntryFilter{UserID: alice.ID, AccountID: b1.ID}, []string{}, 0},
		{"bob", cointally.EntryFilter{UserID: bob.ID}, []string{"B1"}, 1},
		{"no match", cointally.EntryFilter{UserID: alice.ID, Asset: "DOGE"}, []string{}, 0},
		{"ledger ID", cointally.EntryFilter{UserID: alice.ID, ID: "L07"}, []string{"L07"}, 1},
		{"another user's ledger ID", cointally.EntryFilter{UserID: alice.ID, ID: "B1"}, []string{}, 0},
		{"refid, across accounts but not users", cointally.EntryFilter{UserID: alice.ID, RefID: "TL01"}, []string{"L01", "M1"}, 2},
		{"refid in one account", cointally.EntryFilter{UserID: alice.ID, AccountID: a2.ID, RefID: "TL01"}, []string{"M1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.FindEntries(ctx, tc.f)
			must(t, err)
			if got := ids(list); !slices.Equal(got, tc.want) || total != tc.total {
				t.Errorf("FindEntries = %v (total %d), want %v (total %d)", got, total, tc.want, tc.total)
			}
			if list == nil {
				t.Errorf("FindEntries returned a nil slice")
			}
		})
	}
	for _, f := range []cointally.EntryFilter{{}, {UserID: alice.ID, Limit: -1}, {UserID: alice.ID, Offset: -1}} {
		_, _, err := s.FindEntries(ctx, f)
		wantKind(t, err, cointally.KindInvalid)
	}
}

func testTrades(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	t1 := cointally.Trade{ID: "TB", OrderID: "O1", Pair: "XXBTZEUR", Time: base.Add(time.Second), Side: "buy",
		OrderType: "limit", Price: money.MustParse("27000.1"), Volume: money.MustParse("0.01"),
		Cost: money.MustParse("270.001"), Fee: money.MustParse("0.43"), LedgerIDs: []string{"L1", "L2"},
		Raw: []byte(`{"ordertxid":"O1"}`)}
	t2 := cointally.Trade{ID: "TA", Pair: "XETHZEUR", Time: base.Add(time.Second), Side: "sell", Raw: []byte(`{}`)}
	t3 := cointally.Trade{ID: "TC", Pair: "XETHZEUR", Time: base, Side: "sell"}
	n, err := s.PutTrades(ctx, a.ID, []cointally.Trade{t1, t2}, nil)
	must(t, err)
	if n != 2 {
		t.Errorf("PutTrades added %d, want 2", n)
	}
	changed := t1
	changed.Price = money.FromInt(1)
	n, err = s.PutTrades(ctx, a.ID, []cointally.Trade{changed, t3}, nil)
	must(t, err)
	if n != 1 {
		t.Errorf("second PutTrades added %d, want 1", n)
	}
	var got []*cointally.Trade
	must(t, s.Trades(ctx, a.ID, func(tr *cointally.Trade) error { got = append(got, tr); return nil }))
	if len(got) != 3 || got[0].ID != "TC" || got[1].ID != "TA" || got[2].ID != "TB" {
		t.Fatalf("Trades order: %v", got)
	}
	g := got[2]
	if g.OrderID != "O1" || g.Pair != t1.Pair || !g.Time.Equal(t1.Time) || g.Side != "buy" || g.OrderType != "limit" ||
		!g.Price.Equal(t1.Price) || !g.Volume.Equal(t1.Volume) || !g.Cost.Equal(t1.Cost) || !g.Fee.Equal(t1.Fee) ||
		!slices.Equal(g.LedgerIDs, t1.LedgerIDs) || string(g.Raw) != string(t1.Raw) || g.AccountID != a.ID {
		t.Errorf("trade round trip: %+v", g)
	}
	_, err = s.PutTrades(ctx, a.ID, []cointally.Trade{{ID: "TD", Time: base}, {Time: base}}, &cointally.Checkpoint{Stream: "trades"})
	wantKind(t, err, cointally.KindInvalid)
	_, err = s.Checkpoint(ctx, a.ID, "trades")
	wantKind(t, err, cointally.KindNotFound)
	_, err = s.PutTrades(ctx, 9999, []cointally.Trade{t1}, nil)
	wantKind(t, err, cointally.KindNotFound)
}

func testOrders(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	open := func(id string, at time.Time) cointally.Order {
		return cointally.Order{ID: id, Status: "open", Pair: "XXBTZEUR", Side: "buy", OrderType: "limit",
			Opened: at, Volume: money.MustParse("1"), Raw: []byte(`{"status":"open"}`)}
	}
	closed := func(o cointally.Order) cointally.Order {
		o.Status, o.Closed, o.VolExec, o.Raw = "closed", o.Opened.Add(time.Hour), o.Volume, []byte(`{"status":"closed"}`)
		return o
	}
	o1, o2, o3 := open("O1", base), open("O2", base.Add(time.Minute)), open("O3", base.Add(2*time.Minute))
	must(t, s.ReplaceOpenOrders(ctx, a.ID, []cointally.Order{o1, o2}))
	// O1 closes.
	n, err := s.PutOrders(ctx, a.ID, []cointally.Order{closed(o1)}, nil)
	must(t, err)
	if n != 0 {
		t.Errorf("closing a stored order counted %d new", n)
	}
	// A late open snapshot must not reopen O1; O2 vanished from the open set.
	must(t, s.ReplaceOpenOrders(ctx, a.ID, []cointally.Order{o1, o3}))
	n, err = s.PutOrders(ctx, a.ID, []cointally.Order{open("O4", base.Add(3*time.Minute))}, nil)
	must(t, err)
	if n != 1 {
		t.Errorf("PutOrders of a new order counted %d", n)
	}
	var got []string
	var first *cointally.Order
	must(t, s.Orders(ctx, a.ID, func(o *cointally.Order) error {
		got = append(got, o.ID+":"+o.Status)
		if first == nil {
			first = o
		}
		return nil
	}))
	if want := []string{"O1:closed", "O3:open", "O4:open"}; !slices.Equal(got, want) {
		t.Errorf("Orders = %v, want %v", got, want)
	}
	if first == nil || !first.Closed.Equal(base.Add(time.Hour)) || !first.VolExec.Equal(money.FromInt(1)) ||
		string(first.Raw) != `{"status":"closed"}` || !first.Opened.Equal(base) || first.AccountID != a.ID {
		t.Errorf("closed order round trip: %+v", first)
	}
	_, err = s.PutOrders(ctx, a.ID, []cointally.Order{{ID: "O9"}}, nil)
	wantKind(t, err, cointally.KindInvalid)
	wantKind(t, s.ReplaceOpenOrders(ctx, 9999, nil), cointally.KindNotFound)
}

func testFunding(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	dep := cointally.Funding{RefID: "FT1", Kind: "deposit", Asset: "XXBT", Method: "Bitcoin", Network: "Bitcoin",
		Amount: money.MustParse("0.5"), Fee: money.Zero, Time: base, Status: "Pending", Raw: []byte(`{}`)}
	wd := cointally.Funding{RefID: "FT0", Kind: "withdrawal", Asset: "ZEUR", Amount: money.MustParse("100"),
		Fee: money.MustParse("0.09"), Time: base.Add(-time.Hour), Status: "Success", Info: "IBAN"}
	n, err := s.PutFunding(ctx, a.ID, []cointally.Funding{dep, wd})
	must(t, err)
	if n != 2 {
		t.Errorf("added %d, want 2", n)
	}
	dep.Status, dep.TxID = "Success", "abc123"
	n, err = s.PutFunding(ctx, a.ID, []cointally.Funding{dep})
	must(t, err)
	if n != 0 {
		t.Errorf("status update counted %d new", n)
	}
	var got []*cointally.Funding
	must(t, s.Funding(ctx, a.ID, func(f *cointally.Funding) error { got = append(got, f); return nil }))
	if len(got) != 2 || got[0].RefID != "FT0" || got[1].Status != "Success" || got[1].TxID != "abc123" ||
		!got[0].Fee.Equal(wd.Fee) || got[0].Info != "IBAN" || !got[1].Time.Equal(base) {
		t.Errorf("Funding = %+v", got)
	}
	_, err = s.PutFunding(ctx, a.ID, []cointally.Funding{{RefID: "X"}})
	wantKind(t, err, cointally.KindInvalid)
	_, err = s.PutFunding(ctx, 9999, []cointally.Funding{dep})
	wantKind(t, err, cointally.KindNotFound)
}

func testBalances(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	_, err := s.LatestBalances(ctx, a.ID)
	wantKind(t, err, cointally.KindNotFound)
	bal := func(asset, amount string) cointally.BalanceSnapshot {
		return cointally.BalanceSnapshot{Asset: asset, Amount: money.MustParse(amount)}
	}
	must(t, s.PutBalances(ctx, a.ID, base, []cointally.BalanceSnapshot{bal("ZEUR", "10"), bal("XXBT", "0.1")}))
	must(t, s.PutBalances(ctx, a.ID, base.Add(time.Hour), []cointally.BalanceSnapshot{bal("ZEUR", "5"), bal("DOT.S", "3.25"), bal("XXBT", "0.2")}))
	must(t, s.PutBalances(ctx, a.ID, base.Add(-time.Hour), []cointally.BalanceSnapshot{bal("ZEUR", "1")})) // older, arrives late
	got, err := s.LatestBalances(ctx, a.ID)
	must(t, err)
	var desc []string
	for _, b := range got {
		desc = append(desc, b.Asset+"="+b.Amount.String())
		if !b.Time.Equal(base.Add(time.Hour)) || b.AccountID != a.ID {
			t.Errorf("snapshot %+v: wrong time or account", b)
		}
	}
	if want := []string{"DOT.S=3.25", "XXBT=0.2", "ZEUR=5"}; !slices.Equal(desc, want) {
		t.Errorf("LatestBalances = %v, want %v", desc, want)
	}
	// Replacing the set at the same time.
	must(t, s.PutBalances(ctx, a.ID, base.Add(time.Hour), []cointally.BalanceSnapshot{bal("ZEUR", "6")}))
	got, err = s.LatestBalances(ctx, a.ID)
	must(t, err)
	if len(got) != 1 || !got[0].Amount.Equal(money.FromInt(6)) {
		t.Errorf("after replacing: %v", got)
	}
	// An empty set is a snapshot too.
	must(t, s.PutBalances(ctx, a.ID, base.Add(2*time.Hour), nil))
	got, err = s.LatestBalances(ctx, a.ID)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Errorf("after an empty snapshot: %#v, want an empty slice", got)
	}
	wantKind(t, s.PutBalances(ctx, a.ID, time.Time{}, nil), cointally.KindInvalid)
	wantKind(t, s.PutBalances(ctx, a.ID, base, []cointally.BalanceSnapshot{bal("X", "1"), bal("X", "2")}), cointally.KindInvalid)
	wantKind(t, s.PutBalances(ctx, a.ID, base, []cointally.BalanceSnapshot{bal("", "1")}), cointally.KindInvalid)
	wantKind(t, s.PutBalances(ctx, 9999, base, nil), cointally.KindNotFound)
}

func testSyncRuns(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	r1 := &cointally.SyncRun{AccountID: a.ID, Started: base}
	must(t, s.StartRun(ctx, r1))
	if r1.ID == 0 || r1.Outcome != cointally.OutcomeRunning || !r1.Started.Equal(base) {
		t.Errorf("StartRun = %+v", r1)
	}
	r1.Calls, r1.NewEntries, r1.Errors = 12, 600, []string{"Kraken was busy; retried", "second"}
	r1.Outcome, r1.Reconciled, r1.Summary = cointally.OutcomeOK, true, "balances match"
	must(t, s.FinishRun(ctx, r1))
	if r1.Ended.IsZero() {
		t.Errorf("FinishRun did not set Ended")
	}
	r2 := &cointally.SyncRun{AccountID: a.ID, Started: base.Add(time.Hour)}
	must(t, s.StartRun(ctx, r2))
	r3 := &cointally.SyncRun{AccountID: a.ID}
	must(t, s.StartRun(ctx, r3))
	if r3.Started.IsZero() {
		t.Errorf("StartRun did not stamp Started")
	}

	runs, err := s.Runs(ctx, a.ID, 0)
	must(t, err)
	if len(runs) != 3 || runs[0].ID != r3.ID || runs[1].ID != r2.ID || runs[2].ID != r1.ID {
		t.Fatalf("Runs = %+v, want newest first", runs)
	}
	g := runs[2]
	if g.Calls != 12 || g.NewEntries != 600 || !slices.Equal(g.Errors, r1.Errors) || g.Outcome != cointally.OutcomeOK ||
		!g.Reconciled || g.Summary != r1.Summary || !g.Ended.Equal(r1.Ended) || !g.Started.Equal(base) {
		t.Errorf("finished run = %+v, want %+v", g, r1)
	}
	if !runs[1].Ended.IsZero() || runs[1].Outcome != cointally.OutcomeRunning {
		t.Errorf("running run = %+v", runs[1])
	}
	runs, err = s.Runs(ctx, a.ID, 2)
	must(t, err)
	if len(runs) != 2 {
		t.Errorf("Runs(limit 2) = %d runs", len(runs))
	}
	none, err := s.Runs(ctx, 9999, 5)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Errorf("Runs(no account) = %#v", none)
	}

	wantKind(t, s.FinishRun(ctx, &cointally.SyncRun{ID: r2.ID, Outcome: cointally.OutcomeRunning}), cointally.KindInvalid)
	wantKind(t, s.FinishRun(ctx, &cointally.SyncRun{ID: r2.ID}), cointally.KindInvalid)
	wantKind(t, s.FinishRun(ctx, &cointally.SyncRun{ID: 9999, Outcome: cointally.OutcomeFailed}), cointally.KindNotFound)
	wantKind(t, s.StartRun(ctx, &cointally.SyncRun{AccountID: 9999}), cointally.KindNotFound)
}

func testInterruptStaleRuns(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u, live := setup(t, s)
	dead := newAccount(t, s, u.ID, "dead")
	done := newAccount(t, s, u.ID, "done")
	unlock, err := s.TryLockAccount(ctx, live.ID, "server pid 1", time.Hour)
	must(t, err)
	defer unlock()
	liveRun := &cointally.SyncRun{AccountID: live.ID}
	deadRun := &cointally.SyncRun{AccountID: dead.ID}
	doneRun := &cointally.SyncRun{AccountID: done.ID}
	for _, r := range []*cointally.SyncRun{liveRun, deadRun, doneRun} {
		must(t, s.StartRun(ctx, r))
	}
	doneRun.Outcome = cointally.OutcomeFailed
	must(t, s.FinishRun(ctx, doneRun))

	n, err := s.InterruptStaleRuns(ctx)
	must(t, err)
	if n != 1 {
		t.Errorf("InterruptStaleRuns marked %d runs, want 1", n)
	}
	for _, tc := range []struct {
		acc     *cointally.Account
		outcome string
		ended   bool
	}{
		{live, cointally.OutcomeRunning, false},
		{dead, cointally.OutcomeInterrupted, true},
		{done, cointally.OutcomeFailed, true},
	} {
		runs, err := s.Runs(ctx, tc.acc.ID, 1)
		must(t, err)
		if len(runs) != 1 || runs[0].Outcome != tc.outcome || runs[0].Ended.IsZero() == tc.ended {
			t.Errorf("account %s: runs %+v, want outcome %s", tc.acc.Name, runs, tc.outcome)
		}
	}
	n, err = s.InterruptStaleRuns(ctx)
	must(t, err)
	if n != 0 {
		t.Errorf("second InterruptStaleRuns marked %d", n)
	}
}

func testLock(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	other := newAccount(t, s, a.UserID, "other")
	unlock, err := s.TryLockAccount(ctx, a.ID, "server: scheduler", time.Hour)
	must(t, err)
	_, err = s.TryLockAccount(ctx, a.ID, "cli: cointally sync", time.Hour)
	wantKind(t, err, cointally.KindConflict)
	if !strings.Contains(err.Error(), "server: scheduler") {
		t.Errorf("conflict %q does not name the holder", err)
	}
	// Another account is independent.
	unlockOther, err := s.TryLockAccount(ctx, other.ID, "cli: cointally sync", time.Hour)
	must(t, err)
	unlockOther()
	// The holder may extend its lock.
	unlock2, err := s.TryLockAccount(ctx, a.ID, "server: scheduler", 2*time.Hour)
	must(t, err)
	unlock()
	unlock() // twice is harmless
	_ = unlock2
	unlockCLI, err := s.TryLockAccount(ctx, a.ID, "cli: cointally sync", time.Hour)
	must(t, err)
	// A canceled context still releases.
	cctx, cancel := context.WithCancel(ctx)
	unlockCtx, err := s.TryLockAccount(cctx, other.ID, "x", time.Hour)
	must(t, err)
	cancel()
	unlockCtx()
	u, err := s.TryLockAccount(ctx, other.ID, "y", time.Hour)
	must(t, err)
	u()
	unlockCLI()

	_, err = s.TryLockAccount(ctx, a.ID, "", time.Hour)
	wantKind(t, err, cointally.KindInvalid)
	_, err = s.TryLockAccount(ctx, a.ID, "x", 0)
	wantKind(t, err, cointally.KindInvalid)
	_, err = s.TryLockAccount(ctx, 9999, "x", time.Hour)
	wantKind(t, err, cointally.KindNotFound)
}

func testLockExpiry(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	_, a := setup(t, s)
	// Long enough that a loaded machine does not see it expire between
	// the first two calls.
	unlockDead, err := s.TryLockAccount(ctx, a.ID, "dead process", 300*time.Millisecond)
	must(t, err)
	_, err = s.TryLockAccount(ctx, a.ID, "new process", time.Hour)
	wantKind(t, err, cointally.KindConflict)
	time.Sleep(400 * time.Millisecond)
	unlockNew, err := s.TryLockAccount(ctx, a.ID, "new process", time.Hour)
	must(t, err)
	defer unlockNew()
	// The old holder's unlock must not release the new holder's lock.
	unlockDead()
	_, err = s.TryLockAccount(ctx, a.ID, "third", time.Hour)
	wantKind(t, err, cointally.KindConflict)
}

func testLockConcurrent(t *testing.T, s cointally.Store) {
	_, a := setup(t, s)
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     int
		refused int
	)
	for i := range n {
		wg.Go(func() {
			_, err := s.TryLockAccount(t.Context(), a.ID, fmt.Sprint("worker ", i), time.Hour)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case cointally.KindOf(err) == cointally.KindConflict:
				refused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 || refused != n-1 {
		t.Errorf("%d took the lock and %d were refused, want 1 and %d", won, refused, n-1)
	}
}

func testLedgerVersion(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u, a := setup(t, s)
	other := newAccount(t, s, u.ID, "other")
	version := func(id int64) int64 {
		t.Helper()
		v, err := s.LedgerVersion(ctx, id)
		must(t, err)
		return v
	}
	if v := version(a.ID); v != 0 {
		t.Fatalf("version of a new account = %d, want 0", v)
	}
	_, err := s.LedgerVersion(ctx, a.ID+1000)
	wantKind(t, err, cointally.KindNotFound)

	_, err = s.PutEntries(ctx, a.ID, []cointally.Entry{entry("L1", base, "XXBT", "1")}, nil)
	must(t, err)
	v1 := version(a.ID)
	if v1 <= 0 {
		t.Fatalf("version after adding an entry = %d, want > 0", v1)
	}
	if v := version(other.ID); v != 0 {
		t.Fatalf("another account's version moved to %d", v)
	}
	// The same entry again adds nothing: the version stays.
	_, err = s.PutEntries(ctx, a.ID, []cointally.Entry{entry("L1", base, "XXBT", "1")}, nil)
	must(t, err)
	if v := version(a.ID); v != v1 {
		t.Fatalf("version after a batch that changed nothing = %d, want %d", v, v1)
	}
	// A CSV entry replaced by the API one moves it.
	csv := entry("L2", base.Add(time.Second), "XXBT", "2")
	csv.Source = cointally.SourceCSV
	_, err = s.PutEntries(ctx, a.ID, []cointally.Entry{csv}, nil)
	must(t, err)
	v2 := version(a.ID)
	if v2 <= v1 {
		t.Fatalf("version after adding a CSV entry = %d, want > %d", v2, v1)
	}
	res, err := s.PutEntries(ctx, a.ID, []cointally.Entry{entry("L2", base.Add(time.Second), "XXBT", "2")}, nil)
	must(t, err)
	if res.Replaced != 1 {
		t.Fatalf("replaced = %d, want 1", res.Replaced)
	}
	if v := version(a.ID); v <= v2 {
		t.Fatalf("version after a replacement = %d, want > %d", v, v2)
	}
	// A failed batch changes nothing.
	bad := entry("", base, "XXBT", "1")
	_, err = s.PutEntries(ctx, a.ID, []cointally.Entry{entry("L3", base, "XXBT", "1"), bad}, nil)
	wantKind(t, err, cointally.KindInvalid)
	if v := version(a.ID); v <= v2 || entryCount(t, s, a.ID) != 2 {
		t.Fatalf("a refused batch moved the version or stored entries")
	}
}

func testSettings(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u := newUser(t, s, "alice")
	bob := newUser(t, s, "bob")
	got, err := s.Settings(ctx, u.ID)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("settings of a new user = %v, want an empty map", got)
	}
	must(t, s.PutSetting(ctx, u.ID, cointally.SettingCurrency, "GBP"))
	must(t, s.PutSetting(ctx, u.ID, cointally.SettingMethod, "uk"))
	must(t, s.PutSetting(ctx, u.ID, cointally.SettingCurrency, "USD")) // replaces
	must(t, s.PutSetting(ctx, bob.ID, cointally.SettingCurrency, "EUR"))
	got, err = s.Settings(ctx, u.ID)
	must(t, err)
	want := map[string]string{"currency": "USD", "method": "uk"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("settings = %v, want %v", got, want)
	}
	must(t, s.PutSetting(ctx, u.ID, cointally.SettingMethod, "")) // deletes
	got, err = s.Settings(ctx, u.ID)
	must(t, err)
	if fmt.Sprint(got) != fmt.Sprint(map[string]string{"currency": "USD"}) {
		t.Fatalf("settings after deleting method = %v", got)
	}
	got, err = s.Settings(ctx, bob.ID)
	must(t, err)
	if got["currency"] != "EUR" || len(got) != 1 {
		t.Fatalf("bob's settings = %v: users' settings must not mix", got)
	}
	wantKind(t, s.PutSetting(ctx, u.ID, "", "x"), cointally.KindInvalid)
	wantKind(t, s.PutSetting(ctx, u.ID, "currency", "EU\nR"), cointally.KindInvalid)
	wantKind(t, s.PutSetting(ctx, u.ID+1000, "currency", "EUR"), cointally.KindNotFound)
}

func testGrants(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	alice := newUser(t, s, "alice")
	bob := newUser(t, s, "bob")
	carol := newUser(t, s, "carol")
	must(t, s.PutGrant(ctx, alice.ID, carol.ID))
	must(t, s.PutGrant(ctx, bob.ID, carol.ID))
	must(t, s.PutGrant(ctx, alice.ID, bob.ID))
	by, err := s.GrantsBy(ctx, alice.ID)
	must(t, err)
	first := by
	must(t, s.PutGrant(ctx, alice.ID, carol.ID)) // again: no error, no copy
	by, err = s.GrantsBy(ctx, alice.ID)
	must(t, err)
	if len(by) != 2 || by[0].ViewerID != bob.ID || by[1].ViewerID != carol.ID || by[0].OwnerID != alice.ID {
		t.Fatalf("grants by alice = %+v, want bob then carol", by)
	}
	if !by[1].Created.Equal(first[1].Created) || by[1].Created.IsZero() {
		t.Fatalf("granting again changed Created: %v, was %v", by[1].Created, first[1].Created)
	}
	to, err := s.GrantsTo(ctx, carol.ID)
	must(t, err)
	if len(to) != 2 || to[0].OwnerID != alice.ID || to[1].OwnerID != bob.ID {
		t.Fatalf("grants to carol = %+v, want alice then bob", to)
	}
	must(t, s.DeleteGrant(ctx, alice.ID, carol.ID))
	must(t, s.DeleteGrant(ctx, alice.ID, carol.ID)) // no such grant: fine
	to, err = s.GrantsTo(ctx, carol.ID)
	must(t, err)
	if len(to) != 1 || to[0].OwnerID != bob.ID {
		t.Fatalf("grants to carol after revoking alice's = %+v", to)
	}
	none, err := s.GrantsBy(ctx, carol.ID)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("grants by carol = %v, want an empty slice", none)
	}
	wantKind(t, s.PutGrant(ctx, alice.ID, alice.ID), cointally.KindInvalid)
	wantKind(t, s.PutGrant(ctx, alice.ID, carol.ID+1000), cointally.KindNotFound)
}

// The tests below were added with the PostgreSQL store (pgstore): sessions,
// login failures and prices had only SQLite-specific tests, and concurrent
// writers matter most where several servers share one database.

func testSessions(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	u := newUser(t, s, "alice")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 123456789, time.UTC)
	hash := bytes.Repeat([]byte{7}, 32)
	sess := &cointally.Session{TokenHash: hash, UserID: u.ID, CSRFToken: "c", Created: t0, Expires: t0.Add(time.Hour),
		Address: "127.0.0.1", UserAgent: "test"}
	for _, bad := range []*cointally.Session{
		{TokenHash: hash[:5], UserID: u.ID, CSRFToken: "c", Expires: t0},
		{TokenHash: hash, UserID: u.ID, Expires: t0},
		{TokenHash: hash, UserID: u.ID, CSRFToken: "c"},
	} {
		wantKind(t, s.CreateSession(ctx, bad), cointally.KindInvalid)
	}
	wantKind(t, s.CreateSession(ctx, &cointally.Session{TokenHash: bytes.Repeat([]byte{8}, 32), UserID: u.ID + 1000,
		CSRFToken: "c", Expires: t0}), cointally.KindNotFound)
	must(t, s.CreateSession(ctx, sess))
	wantKind(t, s.CreateSession(ctx, sess), cointally.KindConflict)
	got, err := s.Session(ctx, hash)
	must(t, err)
	if got.UserID != u.ID || !got.Created.Equal(t0) || !got.LastSeen.Equal(t0) || !got.Expires.Equal(t0.Add(time.Hour)) ||
		got.CSRFToken != "c" || got.Address != "127.0.0.1" || got.UserAgent != "test" || !bytes.Equal(got.TokenHash, hash) {
		t.Fatalf("Session = %+v", got)
	}
	must(t, s.TouchSession(ctx, hash, t0.Add(time.Minute)))
	if got, err := s.Session(ctx, hash); err != nil || !got.LastSeen.Equal(t0.Add(time.Minute)) {
		t.Errorf("after touch: %+v, %v", got, err)
	}
	stamped := &cointally.Session{TokenHash: bytes.Repeat([]byte{9}, 32), UserID: u.ID, CSRFToken: "d", Expires: t0.Add(time.Hour)}
	must(t, s.CreateSession(ctx, stamped))
	if stamped.Created.IsZero() || !stamped.LastSeen.Equal(stamped.Created) {
		t.Errorf("CreateSession did not stamp Created and LastSeen: %+v", stamped)
	}
	must(t, s.DeleteSession(ctx, stamped.TokenHash))
	if n, err := s.DeleteExpiredSessions(ctx, t0.Add(30*time.Minute), time.Hour); n != 0 || err != nil {
		t.Errorf("DeleteExpiredSessions early = %d, %v", n, err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour), 24*time.Hour); n != 1 || err != nil {
		t.Errorf("DeleteExpiredSessions late = %d, %v", n, err)
	}
	_, err = s.Session(ctx, hash)
	wantKind(t, err, cointally.KindNotFound)
	must(t, s.CreateSession(ctx, sess))
	if n, err := s.DeleteUserSessions(ctx, u.ID); n != 1 || err != nil {
		t.Errorf("DeleteUserSessions = %d, %v", n, err)
	}
	must(t, s.DeleteSession(ctx, hash)) // none is not an error
	wantKind(t, s.TouchSession(ctx, hash, t0), cointally.KindNotFound)
}

func testLoginFailures(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		must(t, s.AddLoginFailure(ctx, "user:alice", t0.Add(time.Duration(i)*time.Minute)))
	}
	wantKind(t, s.AddLoginFailure(ctx, "", t0), cointally.KindInvalid)
	if n, err := s.LoginFailures(ctx, "user:alice", t0.Add(time.Minute)); n != 2 || err != nil {
		t.Errorf("LoginFailures since +1m = %d, %v; want 2", n, err)
	}
	if n, err := s.LoginFailures(ctx, "user:bob", t0); n != 0 || err != nil {
		t.Errorf("LoginFailures of bob = %d, %v", n, err)
	}
	// A failure a day later forgets the old ones.
	must(t, s.AddLoginFailure(ctx, "addr:x", t0.Add(25*time.Hour)))
	if n, _ := s.LoginFailures(ctx, "user:alice", t0); n != 0 {
		t.Errorf("failures older than a day kept: %d", n)
	}
	must(t, s.ClearLoginFailures(ctx, "addr:x"))
	if n, _ := s.LoginFailures(ctx, "addr:x", t0); n != 0 {
		t.Errorf("after clear: %d", n)
	}
}

func testPrices(t *testing.T, s cointally.Store) {
	ctx := t.Context()
	day := func(d int) time.Time { return time.Date(2024, 5, d, 0, 0, 0, 0, time.UTC) }
	pt := func(src, base, quote string, d int, p string) cointally.PricePoint {
		return cointally.PricePoint{Base: base, Quote: quote, Time: day(d), Price: money.MustParse(p), Source: src}
	}
	added, err := s.PutPrices(ctx, []cointally.PricePoint{
		pt("kraken-ohlc", "BTC", "EUR", 2, "60000.5"),
		pt("kraken-ohlc", "BTC", "EUR", 1, "59000"),
		pt("user", "BTC", "EUR", 1, "58000"),
		pt("kraken-trades", "ETH", "EUR", 1, "3000.123456789012345678901234"),
		{Base: "DOT", Quote: "EUR", Time: day(1), Source: "kraken-ohlc", Missing: true},
		pt("kraken-ohlc", "BTC", "EUR", 2, "60000.75"), // the same key again in one batch: the later wins
	})
	if err != nil || added != 5 {
		t.Fatalf("PutPrices = %d, %v; want 5 new", added, err)
	}
	// The same key again replaces the price; a new one is added.
	added, err = s.PutPrices(ctx, []cointally.PricePoint{pt("kraken-ohlc", "BTC", "EUR", 2, "61000"), pt("kraken-ohlc", "BTC", "EUR", 3, "62000")})
	if err != nil || added != 1 {
		t.Fatalf("second PutPrices = %d, %v; want 1 new", added, err)
	}
	list := func(f cointally.PriceFilter) []string {
		var out []string
		must(t, s.Prices(ctx, f, func(p *cointally.PricePoint) error {
			line := fmt.Sprintf("%s %s/%s %s %s", p.Source, p.Base, p.Quote, p.Time.Format(time.DateOnly), p.Price)
			if p.Missing {
				line += " missing"
			}
			out = append(out, line)
			return nil
		}))
		return out
	}
	tests := []struct {
		name string
		f    cointally.PriceFilter
		want []string
	}{
		{"all, ordered by pair, time, source", cointally.PriceFilter{}, []string{
			"kraken-ohlc BTC/EUR 2024-05-01 59000", "user BTC/EUR 2024-05-01 58000", "kraken-ohlc BTC/EUR 2024-05-02 61000",
			"kraken-ohlc BTC/EUR 2024-05-03 62000", "kraken-ohlc DOT/EUR 2024-05-01 0 missing",
			"kraken-trades ETH/EUR 2024-05-01 3000.123456789012345678901234"}},
		{"by sources", cointally.PriceFilter{Sources: []string{"user", "kraken-trades"}}, []string{
			"user BTC/EUR 2024-05-01 58000", "kraken-trades ETH/EUR 2024-05-01 3000.123456789012345678901234"}},
		{"by pair and time range", cointally.PriceFilter{Base: "BTC", Quote: "EUR", From: day(2), To: day(3)}, []string{
			"kraken-ohlc BTC/EUR 2024-05-02 61000"}},
		{"no match", cointally.PriceFilter{Base: "SOL"}, nil},
	}
	for _, tc := range tests {
		if got := list(tc.f); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	good := pt("user", "SOL", "EUR", 1, "1")
	for _, bad := range []func(*cointally.PricePoint){
		func(p *cointally.PricePoint) { p.Base = "" },
		func(p *cointally.PricePoint) { p.Source = "" },
		func(p *cointally.PricePoint) { p.Time = time.Time{} },
		func(p *cointally.PricePoint) { p.Price = money.MustParse("-1") },
		func(p *cointally.PricePoint) { p.Price = money.Zero },
		func(p *cointally.PricePoint) { p.Base = "BT\nC" },
	} {
		p := good
		bad(&p)
		_, err := s.PutPrices(ctx, []cointally.PricePoint{good, p})
		wantKind(t, err, cointally.KindInvalid)
	}
	if got := list(cointally.PriceFilter{Base: "SOL"}); got != nil {
		t.Errorf("a refused batch stored %q", got)
	}
	if n, err := s.DeletePrices(ctx, "user"); err != nil || n != 1 {
		t.Errorf("DeletePrices(user) = %d, %v", n, err)
	}
	if n, err := s.DeletePrices(ctx, ""); err != nil || n != 5 {
		t.Errorf("DeletePrices() = %d, %v", n, err)
	}
}

// Writers of overlapping batches at once (two servers importing the same
// account, a CSV import beside a sync) never duplicate an entry, and every
// entry is counted as added exactly once.
func testPutEntriesConcurrent(t *testing.T, s cointally.Store) {
	_, a := setup(t, s)
	const writers, n = 4, 300
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added int
	)
	for w := range writers {
		wg.Go(func() {
			// Each writer offers all n IDs, starting at a different place
			// and in pages, as a sync does.
			var batch []cointally.Entry
			for i := range n {
				k := (i + w*n/writers) % n
				batch = append(batch, entry(fmt.Sprintf("L%04d", k), base.Add(time.Duration(k)*time.Second), "XXBT", "1"))
				if len(batch) == 50 || i == n-1 {
					r, err := s.PutEntries(t.Context(), a.ID, batch, nil)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					added += r.Added
					mu.Unlock()
					batch = nil
				}
			}
		})
	}
	wg.Wait()
	if added != n {
		t.Errorf("writers added %d entries in all, want %d", added, n)
	}
	if got := entryCount(t, s, a.ID); got != n {
		t.Errorf("EntryCount = %d, want %d", got, n)
	}
}

// chainEntries is the optional fast stream of the reconciliation
// (ingest.ChainEntries), which both stores implement.
type chainEntries interface {
	ChainEntries(ctx context.Context, accountID int64, newSink func() func(*cointally.Entry) error) error
}

// testChainEntries: ChainEntries gives, per asset, exactly the entries and
// order that Entries gives, with the chain fields intact; each sink gets
// whole assets; a sink's error stops the walk and comes back unchanged.
func testChainEntries(t *testing.T, s cointally.Store) {
	ce, ok := s.(chainEntries)
	if !ok {
		t.Skip("the store has no ChainEntries (optional)")
	}
	ctx := t.Context()
	_, a := setup(t, s)
	rng := rand.New(rand.NewPCG(1, 2))
	assets := []string{"XXBT", "ZEUR", "DOT.S", "XETH", "KFEE"}
	var entries []cointally.Entry
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		e := cointally.Entry{ID: fmt.Sprintf("L%06d", i), RefID: "R", Time: start.Add(time.Duration(rng.IntN(5000)) * time.Second),
			Type: "trade", Asset: assets[rng.IntN(len(assets))], Amount: money.New(int64(rng.IntN(1e6)-5e5), -4),
			Fee: money.New(int64(rng.IntN(100)), -4), Source: cointally.SourceAPI, Raw: []byte("{}")}
		if i%7 != 0 {
			e.Balance, e.HasBalance = money.New(int64(i), -2), true
		}
		entries = append(entries, e)
	}
	if _, err := s.PutEntries(ctx, a.ID, entries, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string][]*cointally.Entry{}
	if err := s.Entries(ctx, a.ID, func(e *cointally.Entry) error {
		want[e.Asset] = append(want[e.Asset], e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Each sink gets whole assets, in order, and is never called
	// concurrently (the race detector checks the unguarded maps).
	var sinks []map[string][]*cointally.Entry
	if err := ce.ChainEntries(ctx, a.ID, func() func(*cointally.Entry) error {
		m := map[string][]*cointally.Entry{}
		sinks = append(sinks, m)
		return func(e *cointally.Entry) error {
			m[e.Asset] = append(m[e.Asset], e)
			return nil
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(sinks) == 0 {
		t.Fatal("no sink was asked for")
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
				g.HasBalance != w.HasBalance || !g.Balance.Equal(w.Balance) || g.AccountID != a.ID {
				t.Fatalf("%s #%d: got %+v, want %+v", asset, i, g, w)
			}
		}
	}
	// An error from a sink stops the walk and comes back unchanged.
	stop := errors.New("stop here")
	var calls atomic.Int64
	err := ce.ChainEntries(ctx, a.ID, func() func(*cointally.Entry) error {
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
