package sqlstore

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// The contract: import at least 25,000 ledger entries per second for
// a 1,000,000-entry history, with peak memory under 500 MB, and stream them
// back fast enough for reconciliation in under 2 s. Run with
//
//	go test -run '^$' -bench 1M -benchtime 1x ./sqlstore/
//
// (-bench.entries makes the history smaller for a quick look).
var benchEntries = flag.Int("bench.entries", 1_000_000, "ledger entries in the 1M benchmarks")

// ledgerGen makes a synthetic Kraken ledger: random ledger IDs, trades in
// pairs sharing a refid, deposits, staking rewards, raw JSON of about 200
// bytes, amounts with the asset's decimals, ascending time.
type ledgerGen struct {
	rng  *rand.Rand
	n    int
	now  time.Time
	bal  map[string]int64
	pend []cointally.Entry // the second leg of a trade
}

func newLedgerGen(seed uint64) *ledgerGen {
	return &ledgerGen{
		rng: rand.New(rand.NewPCG(seed, 1)),
		now: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
		bal: map[string]int64{},
	}
}

var genAssets = []struct {
	code   string
	places int
}{{"XXBT", 10}, {"XETH", 10}, {"ZEUR", 4}, {"ZUSD", 4}, {"DOT", 10}, {"DOT.S", 10}, {"SOL", 10}, {"USDC", 8}, {"ADA", 8}, {"KFEE", 2}}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (g *ledgerGen) id(prefix byte) string {
	var b [19]byte
	b[0] = prefix
	for i := 1; i < len(b); i++ {
		b[i] = idAlphabet[g.rng.IntN(len(idAlphabet))]
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
	id := g.id('L')
	sec := g.now.Unix()
	frac := g.now.Nanosecond() / 100_000
	raw := fmt.Appendf(nil, `{"refid":%q,"time":%d.%04d,"type":%q,"subtype":%q,"aclass":"currency","asset":%q,"amount":%q,"fee":%q,"balance":%q}`,
		refid, sec, frac, typ, subtype, a.code, am, fe, ba)
	return cointally.Entry{
		ID: id, RefID: refid, Time: g.now, Type: typ, Subtype: subtype, Aclass: "currency", Asset: a.code,
		Wallet: "spot / main", Amount: money.MustParse(am), Fee: money.MustParse(fe), Balance: money.MustParse(ba),
		HasBalance: true, Source: cointally.SourceExport, Raw: raw,
	}
}

// next returns the next entry in time order.
func (g *ledgerGen) next() cointally.Entry {
	g.n++
	if len(g.pend) > 0 {
		e := g.pend[0]
		g.pend = g.pend[1:]
		return e
	}
	g.now = g.now.Add(time.Duration(1+g.rng.IntN(600)) * time.Second / 10)
	switch r := g.rng.IntN(10); {
	case r < 8: // a spot trade: two legs, one refid, the fee on the quote leg
		refid := g.id('T')
		base := g.rng.IntN(len(genAssets))
		quote := 2 + g.rng.IntN(2)
		vol := 1 + g.rng.Int64N(5_000_000_000)
		cost := 1 + g.rng.Int64N(10_000_000)
		if g.rng.IntN(2) == 0 {
			vol, cost = -vol, -cost
		}
		fee := cost / 400
		if fee < 0 {
			fee = -fee
		}
		first := g.make(refid, "trade", "tradespot", base, vol, 0)
		g.pend = append(g.pend, g.make(refid, "trade", "tradespot", quote, -cost, fee))
		return first
	case r < 9:
		return g.make(g.id('F'), "deposit", "", g.rng.IntN(len(genAssets)), 1+g.rng.Int64N(1_000_000_000_000), 0)
	default:
		return g.make(g.id('S'), "earn", "reward", 5, 1+g.rng.Int64N(100_000_000), 0)
	}
}

func (g *ledgerGen) batch(dst []cointally.Entry, n int) []cointally.Entry {
	dst = dst[:0]
	for range n {
		dst = append(dst, g.next())
	}
	return dst
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

// writtenMB returns the bytes this process has passed to write calls so
// far, in MB (Linux), or 0.
func writtenMB() float64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("wchar:")); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(string(rest)), 10, 64)
			return float64(n) / (1 << 20)
		}
	}
	return 0
}

// cpuSeconds returns the user and system CPU time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func benchDB(b testing.TB, dir string) (*DB, int64) {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	u, err := db.EnsureLocalUser(ctx)
	if err != nil {
		b.Fatal(err)
	}
	a := &cointally.Account{UserID: u.ID, Name: "main", Exchange: "kraken"}
	if err := db.CreateAccount(ctx, a, nil); err != nil {
		b.Fatal(err)
	}
	return db, a.ID
}

// importLedger puts total generated entries in batches of size, each with a
// checkpoint if withCP, and returns the time spent inside PutEntries.
func importLedger(b testing.TB, db *DB, accountID int64, total, size int, withCP bool) time.Duration {
	b.Helper()
	ctx := context.Background()
	g := newLedgerGen(1)
	buf := make([]cointally.Entry, 0, size)
	var spent time.Duration
	for done := 0; done < total; done += size {
		buf = g.batch(buf, min(size, total-done))
		var cp *cointally.Checkpoint
		if withCP {
			cp = &cointally.Checkpoint{Stream: "ledger", Window: "1700000000", Offset: done + len(buf), Count: total}
		}
		start := time.Now()
		res, err := db.PutEntries(ctx, accountID, buf, cp)
		spent += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Added != len(buf) {
			b.Fatalf("added %d of %d", res.Added, len(buf))
		}
	}
	return spent
}

func BenchmarkPutEntries1M(b *testing.B) {
	for _, bc := range []struct {
		size   int
		withCP bool
	}{{10_000, false}, {50, true}} {
		b.Run(fmt.Sprintf("batch=%d", bc.size), func(b *testing.B) {
			total := *benchEntries
			var spent, wall time.Duration
			written, cpu := writtenMB(), cpuSeconds()
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				db, acc := benchDB(b, dir)
				b.StartTimer()
				start := time.Now()
				spent += importLedger(b, db, acc, total, bc.size, bc.withCP)
				wall += time.Since(start)
				b.StopTimer()
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				if fi, err := os.Stat(filepath.Join(dir, "bench.db")); err == nil {
					b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(total*b.N)/spent.Seconds(), "entries/s")
			b.ReportMetric(float64(total*b.N)/wall.Seconds(), "entries/s-incl-gen")
			b.ReportMetric(peakRSS(), "peak-RSS-MB")
			b.ReportMetric((writtenMB()-written)/float64(b.N), "written-MB")
			b.ReportMetric((cpuSeconds()-cpu)*1e6/float64(total*b.N), "cpu-µs/entry")
		})
	}
}

// BenchmarkEntries1M measures streaming a 1M-entry ledger back in (time, ID)
// order, as reconciliation does.
func BenchmarkEntries1M(b *testing.B) {
	total := *benchEntries
	db, acc := benchDB(b, b.TempDir())
	defer db.Close()
	importLedger(b, db, acc, total, 10_000, false)
	ctx := context.Background()
	cpu := cpuSeconds()
	for b.Loop() {
		n := 0
		sum := map[string]money.Amount{}
		err := db.Entries(ctx, acc, func(e *cointally.Entry) error {
			n++
			sum[e.Asset] = sum[e.Asset].Add(e.Amount).Sub(e.Fee)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != total {
			b.Fatalf("streamed %d entries, want %d", n, total)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric((cpuSeconds()-cpu)*1e6/float64(total*b.N), "cpu-µs/entry")
	b.ReportMetric(peakRSS(), "peak-RSS-MB")
}

// BenchmarkPutEntriesAgain measures importing a history a second time (a
// CSV file over data the API fetched): every ID is stored already, so every
// chunk takes the compare path.
func BenchmarkPutEntriesAgain(b *testing.B) {
	total := min(*benchEntries, 200_000)
	db, acc := benchDB(b, b.TempDir())
	defer db.Close()
	importLedger(b, db, acc, total, 10_000, false)
	ctx := context.Background()
	var spent time.Duration
	for b.Loop() {
		g := newLedgerGen(1)
		buf := make([]cointally.Entry, 0, 10_000)
		for done := 0; done < total; done += len(buf) {
			buf = g.batch(buf, min(10_000, total-done))
			start := time.Now()
			res, err := db.PutEntries(ctx, acc, buf, nil)
			spent += time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			if res.Added != 0 || len(res.Diffs) != 0 {
				b.Fatalf("second import: %d added, %d diffs", res.Added, len(res.Diffs))
			}
		}
	}
	b.ReportMetric(float64(total*b.N)/spent.Seconds(), "entries/s")
}
