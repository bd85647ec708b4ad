package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally/ingest"
)

// progressBar renders sync progress. On a terminal it redraws one line
// (entries, pages, ETA from the rate model); elsewhere it prints a line
// when a stream finishes, so logs stay readable.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	now   func() time.Time
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, tty bool, now func() time.Time) *progressBar {
	return &progressBar{w: w, tty: tty, now: now}
}

// update takes one progress event.
func (p *progressBar) update(ev ingest.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		if ev.Phase == ingest.PhaseDone {
			fmt.Fprintf(p.w, "%s: %s: %s items (%s new) in %d pages\n", ev.Account, ev.Stream, thousands(ev.Items), thousands(ev.Added), ev.Pages)
		}
		return
	}
	now := p.now()
	if ev.Phase != ingest.PhaseDone && p.drawn && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	line := renderProgress(ev, 24)
	fmt.Fprintf(p.w, "\r%-100s", line)
	p.drawn = true
	if ev.Phase == ingest.PhaseDone {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// finish ends a line left open.
func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// renderProgress draws one progress line, e.g.
// "alice ledger [##########..............] 2,350/5,000  47 pages  ETA 1m20s".
func renderProgress(ev ingest.Progress, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s ", ev.Account, ev.Stream)
	switch {
	case ev.Phase == ingest.PhaseWaiting:
		b.WriteString("waiting for Kraken to prepare the export report")
	case ev.Total > 0:
		done := min(ev.Items, ev.Total)
		fill := done * width / ev.Total
		fmt.Fprintf(&b, "[%s%s] %s/%s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), thousands(done), thousands(ev.Total))
	default:
		fmt.Fprintf(&b, "%s", thousands(ev.Items))
	}
	if ev.Pages > 0 {
		fmt.Fprintf(&b, "  %d pages", ev.Pages)
	}
	if ev.Phase == ingest.PhaseDone {
		b.WriteString("  done")
	} else if ev.ETA > 0 {
		fmt.Fprintf(&b, "  ETA %s", ev.ETA.Round(time.Second))
	}
	return b.String()
}

// thousands formats n with comma separators: 1234567 -> "1,234,567".
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
