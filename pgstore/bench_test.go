package pgstore

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// The import benchmark of the sync issue, on PostgreSQL: a generated
// Kraken ledger put through PutEntries in pages, each with its checkpoint,
// as a sync does (5,000 entries per page from an export report, 50 per page
// of Kraken's Ledgers call), then streamed back. Run with
//
//	eval "$(.ci/postgres.sh start)"
//	go test -run '^$' -bench Import -benchtime 1x ./pgstore/
//
// The contract is at least 20,000 entries per second. -pgbench.entries
// sets the history's size (default 1,000,000; 100,000 with -short).
var benchEntries = flag.Int("pgbench.entries", 0, "ledger entries in BenchmarkImport (default 1,000,000; 100,000 with -short)")

// ledgerGen makes a synthetic Kraken ledger: random 19-character ledger IDs,
// trades in pairs sharing a refid, deposits, staking rewards, raw JSON of
// about 200 bytes, amounts with the asset's decimals, ascending time.
type ledgerGen struct {
	rng  *rand.Rand
	now  time.Time
	bal  map[string]int64
	pend []cointally.Entry
}

func newLedgerGen(seed uint64) *ledgerGen {
	return &ledgerGen{rng: rand.New(rand.NewPCG(seed, 1)), now: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), bal: map[string]int64{}}
}

var genAssets = []struct {
	code   string
	places int
}{{"XXBT", 10}, {"XETH", 10}, {"ZEUR", 4}, {"ZUSD", 4}, {"DOT", 10}, {"DOT.S", 10}, {"SOL", 10}, {"USDC", 8}}

func (g *ledgerGen) id(prefix byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [19]byte
	b[0] = prefix
	for i := 1; i < len(b); i++ {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	b[6], b[12] = '-', '-'
	return string(b[:])
}

func fixed(v int64, places int) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= places {
		s = "0" + s
	}
	s = s[:len(s)-places] + "." + s[len(s)-places:]
	if neg {
		return "-" + s
	}
	return s
}

func (g *ledgerGen) make(refid, typ, subtype string, asset int, amount, fee int64) cointally.Entry {
	a := genAssets[asset]
	g.bal[a.code] += amount - fee
	am, fe, ba := fixed(amount, a.places), fixed(fee, a.places), fixed(g.bal[a.code], a.places)
	raw := fmt.Appendf(nil, `{"refid":%q,"time":%d.%04d,"type":%q,"subtype":%q,"aclass":"currency","asset":%q,"amount":%q,"fee":%q,"balance":%q}`,
		refid, g.now.Unix(), g.now.Nanosecond()/100_000, typ, subtype, a.code, am, fe, ba)
	return cointally.Entry{
		ID: g.id('L'), RefID: refid, Time: g.now, Type: typ, Subtype: subtype, Aclass: "currency", Asset: a.code,
		Wallet: "spot / main", Amount: money.MustParse(am), Fee: money.MustParse(fe), Balance: money.MustParse(ba),
		HasBalance: true, Source: cointally.SourceExport, Raw: raw,
	}
}

func (g *ledgerGen) next() cointally.Entry {
	if len(g.pend) > 0 {
		e := g.pend[0]
		g.pend = g.pend[1:]
		return e
	}
	g.now = g.now.Add(time.Duration(1+g.rng.IntN(600)) * time.Second / 10)
	switch r := g.rng.IntN(10); {
	case r < 8:
		refid := g.id('T')
		vol, cost := 1+g.rng.Int64N(5_000_000_000), 1+g.rng.Int64N(10_000_000)
		if g.rng.IntN(2) == 0 {
			vol, cost = -vol, -cost
		}
		fee := max(cost/400, -cost/400)
		first := g.make(refid, "trade", "tradespot", g.rng.IntN(len(genAssets)), vol, 0)
		g.pend = append(g.pend, g.make(refid, "trade", "tradespot", 2+g.rng.IntN(2), -cost, fee))
		return first
	case r < 9:
		return g.make(g.id('F'), "deposit", "", g.rng.IntN(len(genAssets)), 1+g.rng.Int64N(1_000_000_000_000), 0)
	default:
		return g.make(g.id('S'), "earn", "reward", 5, 1+g.rng.Int64N(100_000_000), 0)
	}
}

// peakRSS returns the process's peak resident set size in MB (Linux), or 0.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

func BenchmarkImport(b *testing.B) {
	total := *benchEntries
	if total == 0 {
		total = 1_000_000
		if testing.Short() {
			total = 100_000
		}
	}
	for _, bc := range []struct {
		name  string
		page  int
		total int
	}{
		{"export-pages-5000", 5000, total},
		// Paging is bound by Kraken's rate limit (about one page a second),
		// not by the store; a smaller history shows the per-page cost.
		{"api-pages-50", 50, min(total, 50_000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				benchImport(b, bc.page, bc.total)
			}
		})
	}
}

func benchImport(b *testing.B, page, total int) {
	db := openTest(b)
	ctx := context.Background()
	u, err := db.EnsureLocalUser(ctx)
	if err != nil {
		b.Fatal(err)
	}
	a := &cointally.Account{UserID: u.ID, Name: "main", Exchange: "kraken"}
	if err := db.CreateAccount(ctx, a, nil); err != nil {
		b.Fatal(err)
	}
	g := newLedgerGen(1)
	batch := make([]cointally.Entry, 0, page)
	var spent time.Duration
	for done := 0; done < total; {
		batch = batch[:0]
		for range min(page, total-done) {
			batch = append(batch, g.next())
		}
		done += len(batch)
		cp := &cointally.Checkpoint{Stream: "export", Offset: done, Count: total, State: `{"report":"ABCD"}`}
		start := time.Now()
		r, err := db.PutEntries(ctx, a.ID, batch, cp)
		spent += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if r.Added != len(batch) {
			b.Fatalf("added %d of %d", r.Added, len(batch))
		}
	}
	b.ReportMetric(float64(total)/spent.Seconds(), "entries/s")

	start := time.Now()
	n := 0
	if err := db.Entries(ctx, a.ID, func(*cointally.Entry) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	if n != total {
		b.Fatalf("streamed %d of %d entries", n, total)
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "streamed/s")
	start = time.Now()
	if err := db.ChainEntries(ctx, a.ID, func() func(*cointally.Entry) error { return func(*cointally.Entry) error { return nil } }); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "chain/s")
	b.ReportMetric(peakRSS(), "peak-MB")
}
