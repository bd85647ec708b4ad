package krakensim

import (
	"reflect"
	"testing"
	"time"
)

func TestAddActivity(t *testing.T) {
	t.Parallel()
	m := testMarket()
	spec := DefaultHistorySpec(3000)
	now := spec.To.Add(36 * time.Hour)
	tests := []struct{ n int }{{1}, {2}, {10}, {37}, {100}, {700}, {3000}}
	for _, tc := range tests {
		a := Generate(m, 11, "acct", spec)
		before := a.latest()
		e0, t0, o0 := len(a.Entries), len(a.Trades), len(a.Closed)
		got := a.AddActivity(m, 5, tc.n, now)
		if got < tc.n || got > tc.n+12 || got != len(a.Entries)-e0 {
			t.Errorf("n=%d: added %d (entries %d -> %d)", tc.n, got, e0, len(a.Entries))
		}
		if err := a.Verify(); err != nil {
			t.Fatalf("n=%d: %v", tc.n, err)
		}
		lo := StampOf(now) - 10_000
		for _, e := range a.Entries[e0:] {
			if e.Time <= before || e.Time <= lo || e.Time > StampOf(now) {
				t.Fatalf("n=%d: entry %s at %s, want within the second before %s", tc.n, e.ID, e.Time, StampOf(now))
			}
		}
		for _, tr := range a.Trades[t0:] {
			if want := m.Price(tr.Pair, tr.Time.Time()); tr.Price != want {
				t.Errorf("trade %s: price %d, market %d", tr.ID, tr.Price, want)
			}
		}
		for _, o := range a.Closed[o0:] {
			if o.OpenTm <= before || o.CloseTm > StampOf(now) {
				t.Errorf("order %s: %s..%s", o.ID, o.OpenTm, o.CloseTm)
			}
		}
		// A second round just after continues without clashes.
		if got := a.AddActivity(m, 6, tc.n, now.Add(time.Second)); got < tc.n {
			t.Errorf("n=%d: second round added %d", tc.n, got)
		}
		if err := a.Verify(); err != nil {
			t.Fatalf("n=%d, second round: %v", tc.n, err)
		}
	}
}

func TestAddActivityDeterministic(t *testing.T) {
	t.Parallel()
	m := testMarket()
	spec := DefaultHistorySpec(500)
	now := spec.To.Add(time.Hour)
	a, b := Generate(m, 1, "x", spec), Generate(m, 1, "x", spec)
	a.AddActivity(m, 3, 50, now)
	b.AddActivity(m, 3, 50, now)
	if !reflect.DeepEqual(a.Entries, b.Entries) || !reflect.DeepEqual(a.Trades, b.Trades) {
		t.Error("same inputs, different activity")
	}
}

func TestAddActivityNoRoom(t *testing.T) {
	t.Parallel()
	m := testMarket()
	a := Generate(m, 1, "x", DefaultHistorySpec(300))
	last := a.latest()
	tests := []struct {
		name string
		now  Stamp
		n    int
		max  int
	}{
		{"now at the last entry", last, 10, 0},
		{"now before it", last - 5, 10, 0},
		{"zero n", last + 1e6, 0, 0},
		{"5 ticks of room", last + 5, 10, 0},
		{"30 ticks of room", last + 30, 100, 30},
	}
	for _, tc := range tests {
		got := a.AddActivity(m, 1, tc.n, tc.now.Time())
		if got > tc.max {
			t.Errorf("%s: added %d, want at most %d", tc.name, got, tc.max)
		}
		if err := a.Verify(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, e := range a.Entries {
			if e.Time > tc.now && got > 0 {
				t.Fatalf("%s: entry after now", tc.name)
			}
		}
	}
}

func TestAddActivityForeignAccount(t *testing.T) {
	t.Parallel()
	m := testMarket()
	// An account built by hand (a scenario file, say): no generator state.
	g := Generate(m, 4, "y", DefaultHistorySpec(200))
	a := &Account{ID: "y", Entries: g.Entries, Trades: g.Trades, Closed: g.Closed}
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if got := a.AddActivity(m, 4, 200, now); got < 200 {
		t.Errorf("added %d", got)
	}
	if err := a.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestAddActivityEmptyAccount(t *testing.T) {
	t.Parallel()
	m := testMarket()
	a := &Account{ID: "new"}
	if got := a.AddActivity(m, 1, 50, testNow); got < 50 {
		t.Errorf("added %d", got)
	}
	if err := a.Verify(); err != nil {
		t.Fatal(err)
	}
}
