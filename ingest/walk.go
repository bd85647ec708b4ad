package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
)

// walkState is the stream-specific part of a walk's checkpoint (JSON in
// Checkpoint.State).
type walkState struct {
	// Page is the largest page seen in this walk (the exchange's page size).
	Page int `json:"page,omitempty"`
	// Counted is true once the walk's count is known (Checkpoint.Count).
	Counted bool `json:"counted,omitempty"`
	// Newest is the time of the newest item ever seen on the stream (a
	// bound text), where the next incremental walk stops.
	Newest string `json:"newest,omitempty"`
	// Fetched, Added and Pages count this walk's work.
	Fetched int `json:"fetched,omitempty"`
	Added   int `json:"added,omitempty"`
	Pages   int `json:"pages,omitempty"`
}

func readWalkState(cp *cointally.Checkpoint) walkState {
	var st walkState
	if cp != nil && cp.State != "" {
		_ = json.Unmarshal([]byte(cp.State), &st) // a state we cannot read restarts the counters only
	}
	return st
}

// page is one fetched page of a stream, newest first.
type page[T any] struct {
	items    []T
	count    int
	hasCount bool
}

// walker walks one paged stream.
type walker[T any] struct {
	stream string
	call   string // cointally.Call* name for ETAs
	fetch  func(ctx context.Context, q cointally.PageQuery) (page[T], error)
	timeOf func(*T) time.Time
	put    func(ctx context.Context, items []T, cp *cointally.Checkpoint) (added int, err error)
}

// walkResult is what one run of a walk did (a resumed walk counts only
// its own pages).
type walkResult struct {
	cp      *cointally.Checkpoint // the final checkpoint (Done)
	fetched int
	added   int
	pages   int
}

// newWalk returns the checkpoint of a walk that has not started: from the
// newest item down to boundary (exclusive; zero for the whole history).
// prev, the stream's previous checkpoint, passes on the newest item seen.
func newWalk(accountID int64, stream string, boundary time.Time, prev *cointally.Checkpoint) *cointally.Checkpoint {
	cp := &cointally.Checkpoint{AccountID: accountID, Stream: stream}
	if !boundary.IsZero() {
		cp.Start = cointally.BoundTime(boundary)
	}
	st := walkState{Newest: readWalkState(prev).Newest}
	cp.State = mustJSON(st)
	return cp
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are marshalled
	}
	return string(b)
}

// run walks from cp (a new walk or one to resume) to the end of the window
// or the boundary, storing each page with the advanced checkpoint in one
// transaction. first, if not nil, is the walk's first page, fetched
// already. The walk ends at an empty page, at a page shorter than a full
// one (when the count does not promise more), or at the first page that
// reaches the boundary (cp.Start): items at or before it are known already
// and are not stored again.
func (w *walker[T]) run(ctx context.Context, j *job, cp *cointally.Checkpoint, first *page[T]) (walkResult, error) {
	st := readWalkState(cp)
	var boundary time.Time
	if cp.Start != "" {
		b, err := parseBound(cp.Start)
		if err != nil {
			return walkResult{}, fmt.Errorf("checkpoint %s: start: %w", w.stream, err)
		}
		boundary = b
	}
	var newest time.Time
	if st.Newest != "" {
		newest, _ = parseBound(st.Newest)
	}
	pageSize := j.s.pageSize()
	var lat latency
	var res walkResult
	for !cp.Done {
		q := cointally.PageQuery{End: cp.Window, Offset: cp.Offset, WithoutCount: st.Counted}
		var p page[T]
		if first != nil {
			p, first = *first, nil
		} else {
			before := j.x.Stats().Waited
			t0 := j.s.now()
			var err error
			if p, err = w.fetch(ctx, q); err != nil {
				return walkResult{cp: cp}, err
			}
			lat.add(j.s.now().Sub(t0) - (j.x.Stats().Waited - before))
		}
		items := p.items
		if cp.Window == "" && len(items) > 0 {
			cp.Window = cointally.BoundTime(w.timeOf(&items[0])) // items are newest first
		}
		if p.hasCount {
			cp.Count, st.Counted = p.count, true
		}
		cp.Offset += len(items)
		st.Page = max(st.Page, len(items))
		st.Pages++
		st.Fetched += len(items)
		res.pages++
		res.fetched += len(items)
		if len(items) > 0 {
			if t := w.timeOf(&items[0]); t.After(newest) {
				newest = t
				st.Newest = cointally.BoundTime(t)
			}
		}
		switch {
		case len(items) == 0:
			cp.Done = true
		case !boundary.IsZero() && !w.timeOf(&items[len(items)-1]).After(boundary):
			cp.Done = true
			// Keep only what is after the boundary: the rest is stored.
			k := len(items)
			for k > 0 && !w.timeOf(&items[k-1]).After(boundary) {
				k--
			}
			items = items[:k]
		case len(items) < max(pageSize, st.Page) && (!st.Counted || cp.Offset >= cp.Count):
			cp.Done = true
		}
		cp.State = mustJSON(st)
		added, err := w.put(ctx, items, cp)
		if err != nil {
			return walkResult{cp: cp}, fmt.Errorf("storing a page of %s: %w", w.stream, err)
		}
		st.Added += added
		res.added += added
		ev := Progress{Stream: w.stream, Phase: PhaseWorking, Items: st.Fetched, Added: st.Added, Pages: st.Pages}
		if cp.Done {
			ev.Phase = PhaseDone
		} else if boundary.IsZero() && st.Counted {
			ev.Total = cp.Count
			left := max(cp.Count-cp.Offset, 0)
			ev.ETA = j.eta(w.call, (left+pageSize-1)/pageSize, &lat)
		}
		j.emit(ev)
	}
	res.cp = cp
	return res, nil
}

// parseBound reads a bound written by cointally.BoundTime.
func parseBound(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || len(frac) > 9 {
		return time.Time{}, fmt.Errorf("%q is not a time in Unix seconds", s)
	}
	var ns int64
	if frac != "" {
		if ns, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64); err != nil || ns < 0 {
			return time.Time{}, fmt.Errorf("%q is not a time in Unix seconds", s)
		}
	}
	return time.Unix(n, ns).UTC(), nil
}

// resumeOrNew returns the checkpoint to walk a paged stream from: the
// unfinished walk in prev, or a new incremental walk (from one second
// before the newest item seen, prev done) or backfill (no prev).
func resumeOrNew(accountID int64, stream string, prev *cointally.Checkpoint) (*cointally.Checkpoint, error) {
	if prev != nil && !prev.Done {
		return prev, nil
	}
	var boundary time.Time
	if prev != nil {
		if s := readWalkState(prev).Newest; s != "" {
			t, err := parseBound(s)
			if err != nil {
				return nil, fmt.Errorf("checkpoint %s: %w", stream, err)
			}
			boundary = t.Add(-time.Second)
		}
	}
	return newWalk(accountID, stream, boundary, prev), nil
}

// isCanceled reports whether err is a context error.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
