package ingest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/pgstore"
	"github.com/jackc/pgx/v5"
)

// BenchmarkSync1MPostgres is BenchmarkSync1M on PostgreSQL: the same
// 1,000,000-entry history imported through the export and reconciled, into
// a fresh schema of the database COINTALLY_TEST_POSTGRES names (skipped
// without it). The contract is at least 20,000 entries per second:
//
//	eval "$(.ci/postgres.sh start)"
//	go test ./ingest/ -run '^$' -bench Sync1MPostgres -benchtime 1x
func BenchmarkSync1MPostgres(b *testing.B) {
	base := os.Getenv("COINTALLY_TEST_POSTGRES")
	if base == "" {
		b.Skip("set COINTALLY_TEST_POSTGRES to a postgres:// URL (or: eval \"$(.ci/postgres.sh start)\")")
	}
	n := *benchEntries
	sc := &krakensim.Scenario{Seed: 5, RateLimit: &krakensim.RateLimitSpec{Max: "1000000", DecayPerSec: "1000000"},
		Accounts: []krakensim.AccountSpec{{ID: "alice",
			History: &krakensim.HistoryConfig{Entries: n, From: "2015-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
			Keys: []krakensim.KeySpec{{Key: "exp", Secret: keySecret("exp"),
				Permissions: []string{"query-ledger", "export-data"}}}}}}
	simURL := startSimProcess(b, sc)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st, acct := openPGBench(b, base)
		s := &ingest.Syncer{Store: st, Owner: "bench", NormalizeAsset: kraken.NormalizeAsset,
			Connect: connectWith(simURL, "exp", keySecret("exp"), []string{"query-ledger", "export-data"},
				clientConfig{tier: kraken.Tier{Name: "custom", Max: 1e9, Decay: 1e9}}),
			ExportPoll: 10 * time.Millisecond}
		var importStart, importEnd time.Time
		rows := 0
		b.StartTimer()
		start := time.Now()
		res, err := s.Sync(ctx, acct, func(p ingest.Progress) {
			if p.Stream != ingest.StreamExport {
				return
			}
			switch p.Phase {
			case ingest.PhaseWaiting:
				importStart = time.Now()
			case ingest.PhaseDone:
				importEnd, rows = time.Now(), p.Items
			}
		})
		total := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if !res.Export || !res.Count.OK || !res.Reconciliation.OK {
			b.Fatalf("export %v count %+v: %s", res.Export, res.Count, res.Reconciliation.Summary)
		}
		b.ReportMetric(float64(rows)/importEnd.Sub(importStart).Seconds(), "import-entries/s")
		b.ReportMetric(float64(n)/total.Seconds(), "sync-entries/s")
		b.ReportMetric(total.Seconds(), "sync-s")
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
		t1 := time.Now()
		if rep, err := s.Reconcile(ctx, acct.ID); err != nil || !rep.OK() {
			b.Fatalf("reconcile: %v", err)
		}
		b.ReportMetric(time.Since(t1).Seconds(), "reconcile-s")
		b.StartTimer()
	}
}

// openPGBench opens a store in a new schema (dropped at the end) with the
// account alice.
func openPGBench(b *testing.B, base string) (*pgstore.DB, *cointally.Account) {
	ctx := context.Background()
	rnd := make([]byte, 6)
	_, _ = rand.Read(rnd)
	schema := "ct_bench_" + hex.EncodeToString(rnd)
	admin := func(q string) {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			b.Fatalf("connecting to %s: %v", pgstore.Redact(base), err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	admin(`CREATE SCHEMA ` + schema)
	b.Cleanup(func() { admin(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := pgstore.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	owner, err := st.EnsureLocalUser(ctx)
	if err != nil {
		b.Fatal(err)
	}
	a := &cointally.Account{UserID: owner.ID, Name: "alice", Exchange: "kraken", Status: cointally.StatusOK}
	if err := st.CreateAccount(ctx, a, nil); err != nil {
		b.Fatal(err)
	}
	return st, a
}
