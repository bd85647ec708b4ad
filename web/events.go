package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Live progress of a sync as server-sent events. GET /accounts/{id}/events
// answers text/event-stream: a "progress" event whenever the running sync's
// state changes, then one "done" event when no sync runs (at once if none
// runs), after which the server closes the stream. A stream lives at most
// streamLife; the browser's EventSource then reconnects by itself. A comment
// line every heartbeat keeps proxies from closing an idle stream and lets
// the server notice a client that went away. static/app.js listens with
// EventSource and falls back to polling /accounts/{id}/progress.

// Stream timing; the fields of accountPages of the same names override them
// (tests).
const (
	streamTick      = 500 * time.Millisecond
	streamHeartbeat = 15 * time.Second
	streamLife      = 10 * time.Minute
)

// progressEvent is the data of a progress or done event.
type progressEvent struct {
	Running bool   `json:"running"`
	Stream  string `json:"stream,omitempty"`
	Phase   string `json:"phase,omitempty"`
	Items   int    `json:"items"`
	Added   int    `json:"added"`
	Total   int    `json:"total"`
	// ETASeconds is the estimated time left, 0 when unknown.
	ETASeconds int    `json:"eta_seconds"`
	Percent    int    `json:"percent"`
	Text       string `json:"text"`
}

func newProgressEvent(p ProgressView) progressEvent {
	text, pct := progressText(p)
	return progressEvent{Running: p.Running, Stream: p.Stream, Phase: p.Phase, Items: p.Items, Added: p.Added,
		Total: p.Total, ETASeconds: int(p.ETA.Round(time.Second) / time.Second), Percent: pct, Text: text}
}

func (p *accountPages) events(w http.ResponseWriter, r *http.Request) {
	a, _, err := p.s.accountFor(r, false)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	tick, beat, life := p.tick, p.heartbeat, p.life
	if tick <= 0 {
		tick = streamTick
	}
	if beat <= 0 {
		beat = streamHeartbeat
	}
	if life <= 0 {
		life = streamLife
	}
	ctx := r.Context()
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	end := time.NewTimer(life)
	defer end.Stop()
	lastWrite := time.Now()
	var last *progressEvent
	send := func(name string, ev progressEvent) bool {
		b, _ := json.Marshal(ev)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b); err != nil {
			return false
		}
		lastWrite = time.Now()
		return rc.Flush() == nil
	}
	// Ask the browser to wait a little before reconnecting.
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	for {
		ev := newProgressEvent(p.s.cfg.Syncer.Progress(a.ID))
		if !ev.Running {
			send("done", ev)
			return
		}
		if last == nil || *last != ev {
			if !send("progress", ev) {
				return
			}
			last = &ev
		} else if time.Since(lastWrite) >= beat {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
			lastWrite = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-ticker.C:
		}
	}
}
