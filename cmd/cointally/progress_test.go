package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally/ingest"
)

func TestRenderProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ev   ingest.Progress
		want string
	}{
		{ingest.Progress{Account: "alice", Stream: "ledger", Phase: ingest.PhaseWorking, Items: 2350, Total: 5000, Pages: 47, ETA: 80 * time.Second},
			"alice ledger [###########.............] 2,350/5,000  47 pages  ETA 1m20s"},
		{ingest.Progress{Account: "a", Stream: "trades", Phase: ingest.PhaseWorking, Items: 120, Pages: 3},
			"a trades 120  3 pages"},
		{ingest.Progress{Account: "a", Stream: "export", Phase: ingest.PhaseWaiting},
			"a export waiting for Kraken to prepare the export report"},
		{ingest.Progress{Account: "a", Stream: "ledger", Phase: ingest.PhaseDone, Items: 7000, Total: 5000, Pages: 140},
			"a ledger [########################] 5,000/5,000  140 pages  done"},
	}
	for _, tt := range tests {
		if got := renderProgress(tt.ev, 24); got != tt.want {
			t.Errorf("renderProgress(%+v)\n got %q\nwant %q", tt.ev, got, tt.want)
		}
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestProgressBarNotATerminal(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := newProgressBar(&buf, false, time.Now)
	p.update(ingest.Progress{Account: "a", Stream: "ledger", Phase: ingest.PhaseWorking, Items: 50, Pages: 1})
	p.update(ingest.Progress{Account: "a", Stream: "ledger", Phase: ingest.PhaseDone, Items: 100, Added: 100, Pages: 2})
	if got := buf.String(); got != "a: ledger: 100 items (100 new) in 2 pages\n" || strings.Contains(got, "\r") {
		t.Errorf("output = %q", got)
	}
}
