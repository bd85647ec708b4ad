package ingest_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/sqlstore"
)

// Test keys: fixed secrets (base64 of 64 bytes), clearly not real keys.
func secret(seed string) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte(seed), 64/len(seed)+1)[:64])
}

var (
	readOnly   = []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger"}
	withExport = append(slices.Clone(readOnly), "export-data")
)

// The keys of account "alice" in every test scenario.
var testKeys = []krakensim.KeySpec{
	{Key: "ro", Secret: secret("ingest-ro-"), Permissions: readOnly},
	{Key: "ro2", Secret: secret("ingest-ro2-"), Permissions: readOnly},
	{Key: "ro3", Secret: secret("ingest-ro3-"), Permissions: readOnly},
	{Key: "exp", Secret: secret("ingest-exp-"), Permissions: withExport},
	{Key: "exp2", Secret: secret("ingest-exp2-"), Permissions: withExport},
	{Key: "ledger", Secret: secret("ingest-ledger-"), Permissions: []string{"query-ledger"}},
	{Key: "ranged", Secret: secret("ingest-ranged-"), Permissions: readOnly, QueryFrom: "2023-01-01T00:00:00Z"},
}

func keySecret(key string) string {
	for _, k := range testKeys {
		if k.Key == key {
			return k.Secret
		}
	}
	panic("no test key " + key)
}

// fastTier is the rate limit of tests where timing is not the subject.
var fastTier = &krakensim.RateLimitSpec{Max: "1000", DecayPerSec: "1000"}

// scenario returns a scenario with account "alice" holding about entries
// ledger entries and the test keys.
func scenario(entries int, rate *krakensim.RateLimitSpec) *krakensim.Scenario {
	return &krakensim.Scenario{
		Seed:      42,
		RateLimit: rate,
		Accounts: []krakensim.AccountSpec{{
			ID:      "alice",
			History: &krakensim.HistoryConfig{Entries: entries, From: "2020-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
			Keys:    testKeys,
		}},
	}
}

// simServer serves a krakensim on loopback.
type simServer struct {
	sim *krakensim.Server
	url string
}

func startSim(t testing.TB, sc *krakensim.Scenario, opts ...krakensim.Option) *simServer {
	t.Helper()
	sim, err := krakensim.New(sc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return &simServer{sim: sim, url: ts.URL}
}

// addActivity adds about n entries to alice through the emulator's HTTP
// endpoint.
func (s *simServer) addActivity(t testing.TB, n int) {
	t.Helper()
	resp, err := http.PostForm(s.url+"/_sim/accounts/alice/activity", url.Values{"entries": {fmt.Sprint(n)}})
	if err != nil {
		t.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("activity: HTTP %d", resp.StatusCode)
	}
}

// stats reads /_sim/stats for one key.
func (s *simServer) stats(t testing.TB, key string) krakensim.KeyStats {
	t.Helper()
	resp, err := http.Get(s.url + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st krakensim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Keys[key]
}

// simIDs returns the IDs of alice's ledger entries in the emulator.
func (s *simServer) simIDs() []string {
	a := s.sim.Account("alice")
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	ids := make([]string, len(a.Entries))
	for i, e := range a.Entries {
		ids[i] = e.ID
	}
	slices.Sort(ids)
	return ids
}

// clientConfig configures the Kraken clients that Connect makes.
type clientConfig struct {
	tier     kraken.Tier
	heavy    int
	clock    func() time.Time
	sleep    kraken.SleepFunc
	attempts int
}

var fastClient = clientConfig{tier: kraken.Tier{Name: "custom", Max: 1000, Decay: 1000}}

// permsOf returns the permissions of a test key, as an audit records them.
func permsOf(key string) []string {
	for _, k := range testKeys {
		if k.Key == key {
			return k.Permissions
		}
	}
	return readOnly
}

// connector returns a Syncer.Connect that talks to the emulator at url
// with key, one client per call (as separate processes would).
func connector(url, key string, cfg clientConfig) func(context.Context, *cointally.Account) (cointally.Exchange, error) {
	return connectWith(url, key, keySecret(key), permsOf(key), cfg)
}

// connectWith is connector with any key, secret and known permissions (nil:
// unknown).
func connectWith(url, key, secret string, perms []string, cfg clientConfig) func(context.Context, *cointally.Account) (cointally.Exchange, error) {
	return func(ctx context.Context, a *cointally.Account) (cointally.Exchange, error) {
		opts := []kraken.Option{
			kraken.WithBaseURL(url), kraken.WithCredentials(key, secret), kraken.WithTier(cfg.tier),
			kraken.WithRetryPolicy(kraken.RetryPolicy{MaxAttempts: cmp.Or(cfg.attempts, 8),
				BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}),
		}
		if cfg.heavy > 0 {
			opts = append(opts, kraken.WithHeavyCost(cfg.heavy))
		}
		if cfg.clock != nil {
			opts = append(opts, kraken.WithClock(cfg.clock))
		}
		if cfg.sleep != nil {
			opts = append(opts, kraken.WithSleep(cfg.sleep))
		}
		c, err := kraken.NewClient(opts...)
		if err != nil {
			return nil, err
		}
		return kraken.NewExchange(c, kraken.ExchangeConfig{Permissions: perms}), nil
	}
}

// testDB is a SQLite store in a temporary directory with account "alice".
type testDB struct {
	st   *sqlstore.DB
	path string
	acct *cointally.Account
}

func openDB(t testing.TB, dir string, opts ...sqlstore.Option) *testDB {
	t.Helper()
	path := filepath.Join(dir, "cointally.db")
	st, err := sqlstore.Open(context.Background(), "sqlite:"+path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db := &testDB{st: st, path: path}
	ctx := context.Background()
	u, err := st.EnsureLocalUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.Account(ctx, u.ID, "alice")
	if cointally.IsNotFound(err) {
		a = &cointally.Account{UserID: u.ID, Name: "alice", Exchange: "kraken", Status: cointally.StatusOK}
		err = st.CreateAccount(ctx, a, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	db.acct = a
	return db
}

func newDB(t testing.TB) *testDB { return openDB(t, t.TempDir()) }

// syncer returns a Syncer for db against the emulator with key.
func (db *testDB) syncer(t testing.TB, sim *simServer, key string, cfg clientConfig) *ingest.Syncer {
	return &ingest.Syncer{
		Store:          db.st,
		Connect:        connector(sim.url, key, cfg),
		Logger:         testLogger(t),
		Owner:          "test",
		NormalizeAsset: kraken.NormalizeAsset,
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// account re-reads alice.
func (db *testDB) account(t testing.TB) *cointally.Account {
	t.Helper()
	a, err := db.st.AccountByID(context.Background(), db.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sync runs one sync of alice and fails the test on error.
func (db *testDB) sync(t testing.TB, s *ingest.Syncer, progress func(ingest.Progress)) *ingest.Result {
	t.Helper()
	res, err := s.Sync(context.Background(), db.account(t), progress)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return res
}

// entries returns alice's stored entries.
func (db *testDB) entries(t testing.TB) []*cointally.Entry {
	t.Helper()
	var out []*cointally.Entry
	err := db.st.Entries(context.Background(), db.acct.ID, func(e *cointally.Entry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (db *testDB) ids(t testing.TB) []string {
	var ids []string
	for _, e := range db.entries(t) {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

// dump renders everything stored for alice (entries, trades, orders,
// funding, checkpoints aside) as text, for comparing two stores. With
// coarse, entry times are cut to seconds and Raw, Source and Wallet left
// out (an export's CSV row against the API's JSON).
func (db *testDB) dump(t testing.TB, coarse bool) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	id := db.acct.ID
	// Entries by ID: with times cut to seconds, the store's (time, ID)
	// order differs from the API's within a second.
	var lines []string
	for _, e := range db.entries(t) {
		tm := e.Time
		raw, src, wallet := string(e.Raw), e.Source, e.Wallet
		if coarse {
			tm, raw, src, wallet = tm.Truncate(time.Second), "", "", ""
		}
		lines = append(lines, fmt.Sprintf("E %s %s %s %s %s %s %s %s %s %s %v %v %s %s %s\n", e.ID, e.RefID,
			tm.Format(time.RFC3339Nano), e.Type, e.Subtype, e.Aclass, e.Asset, e.Amount, e.Fee, e.Balance, e.HasBalance,
			e.Unknown, src, wallet, raw))
	}
	slices.Sort(lines)
	for _, l := range lines {
		b.WriteString(l)
	}
	check := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	check(db.st.Trades(ctx, id, func(x *cointally.Trade) error {
		fmt.Fprintf(&b, "T %s %s %s %s %s %s %s %s %s %s %v %s\n", x.ID, x.OrderID, x.Pair, x.Time.Format(time.RFC3339Nano),
			x.Side, x.OrderType, x.Price, x.Volume, x.Cost, x.Fee, x.LedgerIDs, x.Raw)
		return nil
	}))
	check(db.st.Orders(ctx, id, func(o *cointally.Order) error {
		fmt.Fprintf(&b, "O %s %s %s %s %s %s %s %s %s %s %s %s\n", o.ID, o.Status, o.Pair, o.Side, o.OrderType,
			o.Opened.Format(time.RFC3339Nano), o.Closed.Format(time.RFC3339Nano), o.Volume, o.VolExec, o.Cost, o.Fee, o.Raw)
		return nil
	}))
	check(db.st.Funding(ctx, id, func(f *cointally.Funding) error {
		fmt.Fprintf(&b, "F %s %s %s %s %s %s %s %s %s %s\n", f.RefID, f.Kind, f.Asset, f.Method, f.Amount, f.Fee,
			f.Time.Format(time.RFC3339), f.Status, f.TxID, f.Raw)
		return nil
	}))
	return b.String()
}

// diffDumps reports the first differing lines of two dumps.
func diffDumps(t testing.TB, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	t.Errorf("stores differ: %d lines, want %d", len(g), len(w))
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 5; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("line %d:\n got  %.300s\n want %.300s", i+1, gl, wl)
			shown++
		}
	}
}

// reference caches the store of an uninterrupted, fault-free sync per
// scenario, for the tests that compare against it.
var reference struct {
	sync.Mutex
	dumps map[string]string
}

// referenceDump syncs alice of sc (a fresh emulator) with key ro2 into a
// new store, once per name, and returns the store's dump.
func referenceDump(t *testing.T, name string, sc func() *krakensim.Scenario, coarse bool) string {
	t.Helper()
	reference.Lock()
	defer reference.Unlock()
	key := fmt.Sprintf("%s/%v", name, coarse)
	if d, ok := reference.dumps[key]; ok {
		return d
	}
	sim := startSim(t, sc())
	db := newDB(t)
	db.sync(t, db.syncer(t, sim, "ro2", fastClient), nil)
	d := db.dump(t, coarse)
	if reference.dumps == nil {
		reference.dumps = map[string]string{}
	}
	reference.dumps[key] = d
	return d
}

// fakeClock is a clock whose Sleep advances it at once.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return nil
}
