package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// The contract: for a 1,000,000-entry history, events + FIFO gains
// for all years in under 3 seconds of CLI wall time and under 1 GB peak
// memory. Run with
//
//	go test -run '^$' -bench Gains1M -benchtime 3x ./cmd/cointally -bench.dir /tmp/cointally-1m
//
// The first run builds the data directory: a generated history stored with
// PutEntries and a daily price for every pair and day in the price cache,
// as a run against Kraken would leave it; later runs reuse it (and then
// peak-RSS-MB is the report's own). For the binary's figures, run
// /usr/bin/time -v cointally gains --year 2024 --offline --data-dir DIR.
var (
	benchEntries = flag.Int("bench.entries", 1_000_000, "ledger entries in BenchmarkGains1M")
	benchDir     = flag.String("bench.dir", "", "data directory of BenchmarkGains1M, kept between runs (default: a temporary one)")
)

func BenchmarkGains1M(b *testing.B) {
	dir := *benchDir
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, "cointally.db")); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := buildBenchData(dir, *benchEntries); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s in %v", dir, time.Since(start))
	}
	var stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr,
		getenv:          func(k string) string { return map[string]string{"COINTALLY_DATA_DIR": dir, "HOME": dir}[k] },
		stdinIsTerminal: func() bool { return false }, now: time.Now}
	// The first report after a sync or an import finds the events prepared
	// (prepareEvents); without them it reads and classifies the ledger.
	// Time that once, then the usual case.
	if err := os.RemoveAll(filepath.Join(dir, "cache")); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := run(context.Background(), []string{"gains", "--year", "2024", "--offline"}, e); err != nil {
		b.Fatalf("%v\n%s", err, stderr.String())
	}
	cold := time.Since(start)
	b.ResetTimer()
	for b.Loop() {
		if err := run(context.Background(), []string{"gains", "--year", "2024", "--offline"}, e); err != nil {
			b.Fatalf("%v\n%s", err, stderr.String())
		}
	}
	b.ReportMetric(cold.Seconds(), "no-events-cache-s")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// buildBenchData stores a generated history of about n entries under an
// account "bench" and caches a daily price (the emulator's at noon) for
// every pair and day of the history.
func buildBenchData(dir string, n int) error {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "cointally.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.EnsureLocalUser(ctx)
	if err != nil {
		return err
	}
	acct := &cointally.Account{UserID: u.ID, Name: "bench", Exchange: "kraken"}
	if err := st.CreateAccount(ctx, acct, nil); err != nil {
		return err
	}
	spec := krakensim.DefaultHistorySpec(n)
	m := krakensim.NewMarket(1)
	sim := krakensim.Generate(m, 1, "bench", spec)
	batch := make([]cointally.Entry, 0, 10_000)
	for i, e := range sim.Entries {
		info, _ := krakensim.AssetByID(e.Asset)
		am, fe, ba := krakensim.FormatFixed(e.Amount, info.Decimals), krakensim.FormatFixed(e.Fee, info.Decimals), krakensim.FormatFixed(e.Balance, info.Decimals)
		t := e.Time.Time()
		raw := fmt.Appendf(nil, `{"refid":%q,"time":%d.%04d,"type":%q,"subtype":%q,"aclass":"currency","asset":%q,"amount":%q,"fee":%q,"balance":%q}`,
			e.RefID, t.Unix(), t.Nanosecond()/100_000, e.Type, e.Subtype, e.Asset, am, fe, ba)
		batch = append(batch, cointally.Entry{ID: e.ID, RefID: e.RefID, Time: t, Type: e.Type, Subtype: e.Subtype, Aclass: "currency",
			Asset: e.Asset, Amount: money.MustParse(am), Fee: money.MustParse(fe), Balance: money.MustParse(ba), HasBalance: true,
			Source: cointally.SourceAPI, Raw: raw, Unknown: !kraken.KnownLedgerType(e.Type, e.Subtype)})
		if len(batch) == cap(batch) || i == len(sim.Entries)-1 {
			if _, err := st.PutEntries(ctx, acct.ID, batch, nil); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	var points []cointally.PricePoint
	for _, p := range krakensim.Pairs() {
		base, bs := kraken.NormalizeAsset(p.Base)
		quote, qs := kraken.NormalizeAsset(p.Quote)
		if bs != "" || qs != "" {
			continue
		}
		for day := spec.From.Truncate(24 * time.Hour); !day.After(spec.To); day = day.AddDate(0, 0, 1) {
			if day.Before(krakensim.PairListed(p)) {
				continue
			}
			px := m.Price(p.ID, day.Add(12*time.Hour))
			if px <= 0 {
				continue
			}
			points = append(points, cointally.PricePoint{Base: base, Quote: quote, Time: day, Source: "kraken-ohlc",
				Price: money.MustParse(krakensim.FormatFixed(px, p.PairDecimals))})
		}
	}
	_, err = st.PutPrices(ctx, points)
	return err
}

// peakRSSMB returns the process's peak resident memory in MB (Linux).
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb / 1024
		}
	}
	return 0
}
