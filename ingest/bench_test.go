package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// moneyUnits returns n ten-thousandths.
func moneyUnits(n int64) money.Amount { return money.New(n, -4) }

// The benchmarks of the contract:
//
//	go test -run '^$' -bench 'Sync1M|RateEfficiency' -benchtime 1x ./ingest/
//
// BenchmarkSync1M imports a 1,000,000-entry history through the export
// (rate limiting off) and reconciles it; BenchmarkRateEfficiency backfills
// through paging at a slow custom tier. The emulator runs in a child
// process, so the peak memory reported is the importer's alone.
var (
	benchEntries = flag.Int("ingest.entries", 1_000_000, "ledger entries in BenchmarkSync1M")
	rateEntries  = flag.Int("ingest.rate-entries", 8000, "ledger entries in BenchmarkRateEfficiency")
	benchDBDir   = flag.String("ingest.dbdir", "", "keep BenchmarkSync1M's database in this directory")
	benchCache   = flag.Int("ingest.cachekib", 0, "SQLite page cache per connection in KiB (0: the store's default)")
)

const simHelperEnv = "COINTALLY_INGEST_SIM"

// TestHelperSim is the emulator child of the benchmarks: it serves a
// scenario on loopback, prints its URL and serves until stdin closes.
func TestHelperSim(t *testing.T) {
	if os.Getenv(simHelperEnv) == "" {
		t.Skip("helper process for the benchmarks")
	}
	var sc krakensim.Scenario
	if err := json.Unmarshal([]byte(os.Getenv(simHelperEnv)), &sc); err != nil {
		t.Fatal(err)
	}
	sim, err := krakensim.New(&sc)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = http.Serve(ln, sim) }()
	fmt.Printf("URL http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent goes
	os.Exit(0)
}

// startSimProcess runs the emulator for sc in a child process.
func startSimProcess(b *testing.B, sc *krakensim.Scenario) string {
	b.Helper()
	js, err := json.Marshal(sc)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSim$", "-test.count=1")
	cmd.Env = append(os.Environ(), simHelperEnv+"="+string(js))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	sc2 := bufio.NewScanner(out)
	for sc2.Scan() {
		if u, ok := strings.CutPrefix(sc2.Text(), "URL "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return u
		}
	}
	b.Fatal("the emulator process printed no URL")
	return ""
}

// peakRSS returns the process's peak resident set size in MB (Linux), or 0.
func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

func BenchmarkSync1M(b *testing.B) {
	n := *benchEntries
	sc := &krakensim.Scenario{Seed: 5, RateLimit: &krakensim.RateLimitSpec{Max: "1000000", DecayPerSec: "1000000"},
		Accounts: []krakensim.AccountSpec{{ID: "alice",
			History: &krakensim.HistoryConfig{Entries: n, From: "2015-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
			Keys: []krakensim.KeySpec{{Key: "exp", Secret: keySecret("exp"),
				Permissions: []string{"query-ledger", "export-data"}}}}}}
	t0 := time.Now()
	url := startSimProcess(b, sc)
	b.Logf("emulator with %d entries ready in %v", n, time.Since(t0).Round(time.Millisecond))
	for b.Loop() {
		b.StopTimer()
		dir := *benchDBDir
		if dir == "" {
			dir = b.TempDir()
		}
		var opts []sqlstore.Option
		if *benchCache > 0 {
			opts = append(opts, sqlstore.WithCacheSize(*benchCache))
		}
		db := openDB(b, dir, opts...)
		s := &ingest.Syncer{Store: db.st, Owner: "bench", NormalizeAsset: kraken.NormalizeAsset,
			Connect: connectWith(url, "exp", keySecret("exp"), []string{"query-ledger", "export-data"},
				clientConfig{tier: kraken.Tier{Name: "custom", Max: 1e9, Decay: 1e9}}),
			ExportPoll: 10 * time.Millisecond}
		var importStart, importEnd time.Time
		rows := 0
		stopSampler := sampleMemory(b)
		b.StartTimer()
		start := time.Now()
		res, err := s.Sync(context.Background(), db.account(b), func(p ingest.Progress) {
			if p.Stream != ingest.StreamExport {
				return
			}
			switch p.Phase {
			case ingest.PhaseWaiting:
				importStart = time.Now() // the last poll before the download
			case ingest.PhaseDone:
				importEnd, rows = time.Now(), p.Items
			}
		})
		total := time.Since(start)
		b.StopTimer()
		stopSampler()
		if err != nil {
			b.Fatal(err)
		}
		if !res.Export || !res.Count.OK || !res.Reconciliation.OK {
			b.Fatalf("export %v count %+v: %s", res.Export, res.Count, res.Reconciliation.Summary)
		}
		imp := importEnd.Sub(importStart)
		b.ReportMetric(float64(rows)/imp.Seconds(), "import-entries/s")
		b.ReportMetric(float64(n)/total.Seconds(), "sync-entries/s")
		b.ReportMetric(total.Seconds(), "sync-s")
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapSys)/(1<<20), "go-heap-sys-MB")

		// Reconciliation alone, and the store's streaming it rests on.
		ctx := context.Background()
		t1 := time.Now()
		rep, err := s.Reconcile(ctx, db.acct.ID)
		if err != nil || !rep.OK() {
			b.Fatalf("reconcile: %v", err)
		}
		b.ReportMetric(time.Since(t1).Seconds(), "reconcile-s")
		t2 := time.Now()
		count := 0
		if err := db.st.Entries(ctx, db.acct.ID, func(*cointally.Entry) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t2).Seconds(), "store-stream-s")
		b.Logf("%d entries: import %v (%d rows), sync %v; %d calls; notes %q", count, imp.Round(time.Millisecond),
			rows, total.Round(time.Millisecond), res.Run.Calls, res.Run.Errors)
		b.StartTimer()
	}
}

// BenchmarkReconcileEngine measures the reconciliation's own work on
// 1,000,000 entries held in memory (no store), for comparison with the
// end-to-end figure.
func BenchmarkReconcileEngine(b *testing.B) {
	entries := syntheticLedger(*benchEntries)
	b.ResetTimer()
	for b.Loop() {
		rep := ingest.ReconcileEntries(func(yield func(*cointally.Entry) bool) {
			for i := range entries {
				if !yield(&entries[i]) {
					return
				}
			}
		})
		if len(rep) == 0 {
			b.Fatal("no chains")
		}
	}
	b.ReportMetric(float64(len(entries)*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// syntheticLedger makes n consistent entries over a few assets, several
// sharing a time.
func syntheticLedger(n int) []cointally.Entry {
	assets := []string{"XXBT", "XETH", "ZEUR", "ZUSD", "DOT", "DOT.S", "SOL", "KFEE"}
	bal := make([]int64, len(assets))
	out := make([]cointally.Entry, n)
	t := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		if i%3 != 0 {
			t = t.Add(time.Duration(1+i%97) * time.Second)
		}
		a := i % len(assets)
		amt := int64(1 + i%1000)
		if i%4 == 0 && bal[a] > amt {
			amt = -amt
		}
		bal[a] += amt
		out[i] = cointally.Entry{ID: fmt.Sprintf("L%06d-XXXXX-XXXXXX", i), Time: t, Asset: assets[a],
			Amount: moneyUnits(amt), Balance: moneyUnits(bal[a]), HasBalance: true, Type: "trade"}
	}
	return out
}

// BenchmarkRateEfficiency backfills through paging at a custom tier (max
// 20, decay 20/s, ledger-type calls costing 2) and reports the points
// spent per second against the counter model's ceiling, and Kraken's
// rate-limit refusals.
func BenchmarkRateEfficiency(b *testing.B) {
	const maxPts, decay = 20.0, 20.0
	sc := &krakensim.Scenario{Seed: 9, RateLimit: &krakensim.RateLimitSpec{Max: "20", DecayPerSec: "20", HeavyCost: "2"},
		Accounts: []krakensim.AccountSpec{{ID: "alice",
			History: &krakensim.HistoryConfig{Entries: *rateEntries, From: "2020-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
			Keys:    testKeys}}}
	url := startSimProcess(b, sc)
	for b.Loop() {
		b.StopTimer()
		db := openDB(b, b.TempDir())
		s := &ingest.Syncer{Store: db.st, Owner: "bench",
			Connect: connector(url, "ro", clientConfig{tier: kraken.Tier{Name: "custom", Max: maxPts, Decay: decay}, heavy: 2})}
		before := simStats(b, url, "ro")
		b.StartTimer()
		start := time.Now()
		res, err := s.Sync(context.Background(), db.account(b), nil)
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		after := simStats(b, url, "ro")
		points, calls := 0, 0
		for m, k := range after.Calls {
			d := k - before.Calls[m]
			calls += d
			switch m {
			case "Ledgers", "TradesHistory", "ClosedOrders":
				points += 2 * d
			default:
				points += d
			}
		}
		// The counter starts empty, so the ceiling over the run is the
		// burst plus the decay.
		ceiling := maxPts + decay*elapsed.Seconds()
		b.ReportMetric(float64(points)/ceiling*100, "%-of-ceiling")
		b.ReportMetric(float64(calls)/elapsed.Seconds(), "calls/s")
		b.ReportMetric(float64(after.Errors["EAPI:Rate limit exceeded"]-before.Errors["EAPI:Rate limit exceeded"]), "rate-limit-errors")
		b.Logf("%d calls (%d points) in %v; ceiling %.0f points; %d entries", calls, points,
			elapsed.Round(time.Millisecond), ceiling, res.NewEntries)
		b.StartTimer()
	}
}

func simStats(b *testing.B, url, key string) krakensim.KeyStats {
	b.Helper()
	s := &simServer{url: url}
	return s.stats(b, key)
}

// sampleMemory logs the process's resident and Go heap memory every 500 ms
// until stopped (with -test.v), to show where the peak is.
func sampleMemory(b *testing.B) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintf(os.Stderr, "rss %.0f MB (peak %.0f), heap in use %d MB, heap sys %d MB, released %d MB\n", currentRSS(), peakRSS(),
				ms.HeapInuse>>20, ms.HeapSys>>20, ms.HeapReleased>>20)
		}
	}()
	return func() { close(done); <-finished }
}

// currentRSS returns the process's resident set size in MB (Linux), or 0.
func currentRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}
