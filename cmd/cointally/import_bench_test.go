package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

// BenchmarkImportKrakenCSV imports a ledgers CSV of 1,000,000 entries
// (generation D, as Kraken exports today, plus the pending deposit rows
// before them: about 1,065,000 rows) through the
// command, into a new key-less account in a fresh data directory: reading,
// one transaction, and the completeness proof. The target is under 40 s
// per import.
//
//	go test -run '^$' -bench ImportKrakenCSV -benchtime 1x ./cmd/cointally/
func BenchmarkImportKrakenCSV(b *testing.B) {
	const rows = 1_000_000
	dir := b.TempDir()
	file := filepath.Join(dir, "ledgers.csv")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	m := krakensim.NewMarket(11)
	acct := krakensim.Generate(m, 11, "big", krakensim.HistorySpec{Entries: rows,
		From: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)})
	w := bufio.NewWriter(f)
	if err := krakensim.WriteLedgersCSV(w, acct, m, krakensim.LedgerCSVGenD, time.Time{}, time.Time{}); err != nil {
		b.Fatal(err)
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(file)
	lines := countLines(b, file) - 1
	b.Logf("%d entries, %d CSV rows, %.0f MB", len(acct.Entries), lines, float64(st.Size())/1e6)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dataDir := filepath.Join(b.TempDir(), "data")
		b.StartTimer()
		var stdout, stderr strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv: func(string) string { return "" }, stdinIsTerminal: func() bool { return false },
			readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: time.Now}
		if err := run(context.Background(), []string{"import", "kraken-csv", "--data-dir", dataDir, "--account", "big", file}, e); err != nil {
			b.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "big reconciles") {
			b.Fatalf("output:\n%s", stdout.String())
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func countLines(b *testing.B, file string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}
