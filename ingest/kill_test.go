package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/ingest"
)

// The kill tests run a sync in a child process (this test binary, running
// TestHelperProcess) against the parent's emulator, into a SQLite file the
// parent shares, and kill it with SIGKILL at random moments. The parent
// then syncs to the end and compares the store with an uninterrupted sync.

const helperEnv = "COINTALLY_INGEST_HELPER"

// TestHelperProcess is the child: it syncs alice once and exits. It does
// nothing in a normal test run.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for the kill tests")
	}
	dir, url, key := os.Getenv("HELPER_DIR"), os.Getenv("HELPER_URL"), os.Getenv("HELPER_KEY")
	db := openDB(t, dir)
	// A paced client, so that the parent's kills land in the middle.
	cfg := clientConfig{tier: kraken.Tier{Name: "custom", Max: 20, Decay: 200}}
	s := db.syncer(t, &simServer{url: url}, key, cfg)
	s.Owner = "kill-test" // the parent takes the lock over after the kill
	s.ExportMinEntries = 1000
	s.ExportPoll, s.ExportPollMax = 20*time.Millisecond, 50*time.Millisecond
	if b, err := strconv.Atoi(os.Getenv("HELPER_BATCH")); err == nil {
		s.ExportBatch = b
	}
	if _, err := s.Sync(context.Background(), db.account(t), nil); err != nil {
		fmt.Fprintln(os.Stderr, "helper sync:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// child starts the helper process.
func child(t *testing.T, dir, url, key string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "HELPER_DIR="+dir, "HELPER_URL="+url, "HELPER_KEY="+key)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// walks describes the checkpoints of the paged streams.
func walks(db *testDB) string {
	var out []string
	for _, stream := range []string{ingest.StreamLedger, ingest.StreamTrades, ingest.StreamOrders} {
		cp, err := db.st.Checkpoint(context.Background(), db.acct.ID, stream)
		switch {
		case err != nil:
			out = append(out, stream+" -")
		case cp.Done:
			out = append(out, stream+" done")
		default:
			out = append(out, fmt.Sprintf("%s at %d", stream, cp.Offset))
		}
	}
	return strings.Join(out, ", ")
}

// work sums the offsets of the paged streams' checkpoints: how far the
// children got.
func work(db *testDB) int {
	n := 0
	for _, stream := range []string{ingest.StreamLedger, ingest.StreamTrades, ingest.StreamOrders} {
		if cp, err := db.st.Checkpoint(context.Background(), db.acct.ID, stream); err == nil {
			n += cp.Offset
		}
	}
	return n
}

// progressOf reads how far the child got: the stored entries and the
// ledger checkpoint's offset (-1 without one).
func progressOf(db *testDB) (entries, offset int) {
	ctx := context.Background()
	entries, _ = db.st.EntryCount(ctx, db.acct.ID)
	offset = -1
	if cp, err := db.st.Checkpoint(ctx, db.acct.ID, ingest.StreamLedger); err == nil {
		offset = cp.Offset
	}
	return entries, offset
}

func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Parallel()
	sc := func() *krakensim.Scenario { return scenario(historySize, fastTier) }
	sim := startSim(t, sc())
	dir := t.TempDir()
	db := openDB(t, dir)
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill times seeded with %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	kills := 0
	for round := 0; round < 10; round++ {
		before := work(db)
		cmd := child(t, dir, sim.url, "ro")
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Kill once the child has committed a random number of pages more
		// (of any stream), or after a random delay.
		pages := 1 + rng.IntN(10)
		delay := time.Duration(50+rng.IntN(1000)) * time.Millisecond
		deadline := time.Now().Add(delay)
		for done := false; !done; {
			select {
			case err := <-exited:
				t.Logf("round %d: the child finished first (%v)", round, err)
				done = true
				continue
			case <-time.After(time.Millisecond):
			}
			if time.Now().After(deadline) || work(db) >= before+pages*50 {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
					t.Fatal(err)
				}
				<-exited
				done = true
				kills++
				n, _ := progressOf(db)
				t.Logf("round %d: killed after %d pages or %v: %d entries stored; %s", round, pages, delay, n, walks(db))
			}
		}
	}
	if kills == 0 {
		t.Fatal("no child was killed")
	}
	// The parent finishes the job with the owner the children used.
	s := db.syncer(t, sim, "ro", fastClient)
	s.Owner = "kill-test"
	res := db.sync(t, s, nil)
	if !res.Count.OK || !res.Reconciliation.OK {
		t.Errorf("count %+v: %s", res.Count, res.Reconciliation.Summary)
	}
	diffDumps(t, db.dump(t, false), referenceDump(t, "default", sc, false))
	runs, _ := db.st.Runs(context.Background(), db.acct.ID, 0)
	t.Logf("%d kills, %d runs recorded", kills, len(runs))
}

// TestKillDuringExport kills a sync while it waits for the export: the
// resumed sync uses the same report, never requesting a second one.
func TestKillDuringExport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Parallel()
	sc := func() *krakensim.Scenario { return scenario(historySize, fastTier) }
	sim := startSim(t, sc())
	sim.sim.ExportDelay = 1500 * time.Millisecond
	dir := t.TempDir()
	db := openDB(t, dir)
	for round := 0; round < 2; round++ {
		cmd := child(t, dir, sim.url, "exp")
		deadline := time.Now().Add(20 * time.Second)
		for {
			cp, err := db.st.Checkpoint(context.Background(), db.acct.ID, ingest.StreamExport)
			if err == nil && cp.State != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the child requested no export")
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(100+300*round) * time.Millisecond) // polling
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	}
	s := db.syncer(t, sim, "exp", fastClient)
	s.Owner, s.ExportMinEntries, s.ExportPoll = "kill-test", 1000, 50*time.Millisecond
	res := db.sync(t, s, nil)
	calls := sim.stats(t, "exp").Calls
	if calls["AddExport"] != 1 || calls["RetrieveExport"] != 1 || calls["ExportStatus"] < 3 {
		t.Errorf("AddExport %d, RetrieveExport %d, ExportStatus %d calls", calls["AddExport"], calls["RetrieveExport"], calls["ExportStatus"])
	}
	if !res.Export || !res.Count.OK || !res.Reconciliation.OK {
		t.Errorf("export %v, count %+v: %s", res.Export, res.Count, res.Reconciliation.Summary)
	}
	diffDumps(t, db.dump(t, true), referenceDump(t, "default", sc, true))
}

// TestKillDuringExportImport kills the sync while it stores the export's
// rows (a tiny batch makes the import long): the resumed import skips the
// rows stored and the result is complete.
func TestKillDuringExportImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Parallel()
	sc := func() *krakensim.Scenario { return scenario(historySize, fastTier) }
	sim := startSim(t, sc())
	dir := t.TempDir()
	db := openDB(t, dir)
	cmd := child(t, dir, sim.url, "exp", "HELPER_BATCH=10")
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, _ := progressOf(db)
		if n >= 500 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child imported nothing")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	cp, err := db.st.Checkpoint(context.Background(), db.acct.ID, ingest.StreamExport)
	if err != nil || cp.Done {
		t.Fatalf("export checkpoint after the kill: %+v %v", cp, err)
	}
	s := db.syncer(t, sim, "exp", fastClient)
	s.Owner, s.ExportMinEntries = "kill-test", 1000
	res := db.sync(t, s, nil)
	if calls := sim.stats(t, "exp").Calls; calls["AddExport"] != 1 {
		t.Errorf("AddExport called %d times", calls["AddExport"])
	}
	if !res.Count.OK || !res.Reconciliation.OK {
		t.Errorf("count %+v: %s", res.Count, res.Reconciliation.Summary)
	}
	diffDumps(t, db.dump(t, true), referenceDump(t, "default", sc, true))
}
