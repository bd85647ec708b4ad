package kraken

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// ledgerServer is a small model of Kraken's Ledgers paging: entries newest
// first, 50 per page, ofs, an end bound (ledger ID or time), and hooks to
// change the data and the count during a walk.
type ledgerServer struct {
	t          *testing.T
	mu         sync.Mutex
	entries    []fakeEntry // newest first
	ignoreEnd  bool
	ignoreOfs  bool
	countDelta func(page int) int // added to the true count
	afterPage  func(s *ledgerServer, page int)
	pages      int
	requests   []map[string]string
	sizes      []int // entries per page served
}

type fakeEntry struct {
	id   string
	time int64 // seconds
}

func newLedgerServer(t *testing.T, n int) *ledgerServer {
	s := &ledgerServer{t: t}
	for i := range n {
		// Oldest entry has time 1000; IDs encode the creation order.
		s.entries = append([]fakeEntry{{id: fmt.Sprintf("L%05d", i), time: 1000 + int64(i)}}, s.entries...)
	}
	return s
}

func (s *ledgerServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form := verifySignature(s.t, r, readBody(s.t, r))
	s.mu.Lock()
	defer s.mu.Unlock()
	req := map[string]string{}
	for k := range form {
		if k != "nonce" {
			req[k] = form.Get(k)
		}
	}
	s.requests = append(s.requests, req)

	matching := s.entries
	if end := form.Get("end"); end != "" && !s.ignoreEnd {
		limit := int64(-1)
		if strings.HasPrefix(end, "L") {
			for _, e := range s.entries {
				if e.id == end {
					limit = e.time
				}
			}
		} else {
			limit, _ = strconv.ParseInt(end, 10, 64)
		}
		var m []fakeEntry
		for _, e := range s.entries {
			if e.time <= limit {
				m = append(m, e)
			}
		}
		matching = m
	}
	ofs, _ := strconv.Atoi(form.Get("ofs"))
	if s.ignoreOfs {
		ofs = 0
	}
	var page []fakeEntry
	if ofs < len(matching) {
		page = matching[ofs:min(ofs+50, len(matching))]
	}
	s.sizes = append(s.sizes, len(page))
	count := len(matching)
	if s.countDelta != nil {
		count += s.countDelta(s.pages)
	}
	var b strings.Builder
	b.WriteString(`{"error":[],"result":{"ledger":{`)
	for i, e := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%s":{"refid":"R%s","time":%d.5,"type":"trade","subtype":"","aclass":"currency","asset":"ZUSD","amount":"1","fee":"0","balance":"%d"}`, e.id, e.id, e.time, i)
	}
	fmt.Fprintf(&b, `},"count":%d}}`, count)
	_, _ = w.Write([]byte(b.String()))
	s.pages++
	if s.afterPage != nil {
		s.afterPage(s, s.pages)
	}
}

// addNewest inserts an entry newer than all others, as new activity does.
func (s *ledgerServer) addNewest(id string) {
	s.entries = append([]fakeEntry{{id: id, time: s.entries[0].time + 1}}, s.entries...)
}

func walkAll(t *testing.T, p *Pager[LedgerEntry]) []string {
	t.Helper()
	var ids []string
	for page, err := range p.All(context.Background()) {
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		if len(page) == 0 {
			t.Fatal("empty page yielded")
		}
		for i := 1; i < len(page); i++ {
			if page[i].Time.Compare(page[i-1].Time) > 0 {
				t.Fatalf("page not newest first")
			}
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

func originalIDs(n int) []string {
	var ids []string
	for i := n - 1; i >= 0; i-- {
		ids = append(ids, fmt.Sprintf("L%05d", i))
	}
	return ids
}

func TestPagerWalk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		n          int
		ignoreEnd  bool
		countDelta func(int) int
		afterPage  func(*ledgerServer, int)
		wantPages  int
	}{
		{name: "exact multiple of 50", n: 150, wantPages: 4},
		{name: "partial last page", n: 123, wantPages: 4},
		{name: "empty history", n: 0, wantPages: 1},
		{name: "count over-states", n: 120, countDelta: func(int) int { return 30 }, wantPages: 4},
		{name: "count changes every page", n: 120, countDelta: func(p int) int { return p*7 - 10 }, wantPages: 4},
		{name: "new entries mid-walk, end honoured", n: 130,
			afterPage: func(s *ledgerServer, p int) { s.addNewest(fmt.Sprintf("LNEW%d", p)) }, wantPages: 4},
		{name: "new entries mid-walk, end ignored", n: 130, ignoreEnd: true,
			afterPage: func(s *ledgerServer, p int) { s.addNewest(fmt.Sprintf("LNEW%d", p)) }, wantPages: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newLedgerServer(t, tt.n)
			s.ignoreEnd, s.countDelta, s.afterPage = tt.ignoreEnd, tt.countDelta, tt.afterPage
			c, _ := setup(t, s)
			p := c.LedgersPager(&LedgersOptions{Assets: []string{"ZUSD"}})
			got := walkAll(t, p)

			want := originalIDs(tt.n)
			if !slices.Equal(got, want) {
				t.Errorf("walk returned %d entries, want the %d originals in order, each once\n got: %v", len(got), len(want), got)
			}
			if p.Pages() != tt.wantPages {
				t.Errorf("Pages = %d, want %d", p.Pages(), tt.wantPages)
			}
			if p.Seen() != tt.n {
				t.Errorf("Seen = %d, want %d", p.Seen(), tt.n)
			}
			if cnt, ok := p.Count(); !ok || (tt.countDelta == nil && tt.afterPage == nil && cnt != tt.n) {
				t.Errorf("Count = %d, %v", cnt, ok)
			}
			// Requests: offsets advance by the entries received, end fixed from page 1.
			ofs := 0
			for i, req := range s.requests {
				if wantOfs := strconv.Itoa(ofs); (i == 0 && req["ofs"] != "") || (i > 0 && req["ofs"] != wantOfs) {
					t.Errorf("request %d ofs = %q, want %s", i, req["ofs"], wantOfs)
				}
				if i < 3 && tt.n >= 150 && req["ofs"] != "" && req["ofs"] != strconv.Itoa(i*50) {
					t.Errorf("request %d ofs = %q, want %d", i, req["ofs"], i*50)
				}
				ofs += s.sizes[i]
				if req["asset"] != "ZUSD" {
					t.Errorf("request %d lost the asset filter: %v", i, req)
				}
				if i == 0 && req["end"] != "" {
					t.Errorf("first request has end %q", req["end"])
				}
				if i > 0 && tt.n > 0 && req["end"] != want[0] {
					t.Errorf("request %d end = %q, want the newest ID %s", i, req["end"], want[0])
				}
			}
			if _, err := p.Next(context.Background()); !errors.Is(err, ErrDone) {
				t.Errorf("Next after the end = %v, want ErrDone", err)
			}
		})
	}
}

func TestPagerCallerEndAndProgress(t *testing.T) {
	t.Parallel()
	s := newLedgerServer(t, 200)
	c, _ := setup(t, s)
	p := c.LedgersPager(&LedgersOptions{End: BoundTimestamp(ts(1099, 0))}) // entries 0..99
	page, err := p.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 50 || page[0].ID != "L00099" {
		t.Fatalf("first page: %d entries from %s", len(page), page[0].ID)
	}
	if n, ok := p.RemainingPages(); !ok || n != 2 {
		t.Errorf("RemainingPages = %d, %v; want 2 (one full page and the empty one)", n, ok)
	}
	if eta := c.EstimateWait("Ledgers", 2); eta != 0 {
		t.Errorf("EstimateWait under a generous tier = %v", eta)
	}
	rest := walkAll(t, p)
	if len(rest) != 50 || rest[49] != "L00000" {
		t.Errorf("rest: %d entries", len(rest))
	}
	for _, req := range s.requests {
		if req["end"] != "1099" {
			t.Errorf("end = %q, want the caller's 1099", req["end"])
		}
	}
}

func TestPagerStopsWhenOffsetIgnored(t *testing.T) {
	t.Parallel()
	s := newLedgerServer(t, 120)
	s.ignoreOfs = true
	c, _ := setup(t, s)
	p := c.LedgersPager(nil)
	var err error
	pages := 0
	for _, err = range p.All(context.Background()) {
		if err != nil {
			break
		}
		pages++
	}
	if err == nil || !strings.Contains(err.Error(), "already seen") || pages != 1 {
		t.Errorf("after %d pages err = %v, want a stop after repeated pages", pages, err)
	}
	if p.Pages() != 1+maxStalePages {
		t.Errorf("fetched %d pages, want %d", p.Pages(), 1+maxStalePages)
	}
}

func TestPagerResumesAfterError(t *testing.T) {
	t.Parallel()
	s := newLedgerServer(t, 80)
	fail := true
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		failNow := fail && s.pages == 1
		if failNow {
			fail = false
		}
		s.mu.Unlock()
		if failNow {
			_, _ = w.Write([]byte(errBody("EGeneral:Permission denied")))
			return
		}
		s.ServeHTTP(w, r)
	})
	c, _ := setup(t, h)
	p := c.LedgersPager(nil)
	ctx := context.Background()
	if _, err := p.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Next(ctx); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("second page err = %v", err)
	}
	page, err := p.Next(ctx)
	if err != nil || len(page) != 30 || page[29].ID != "L00000" {
		t.Errorf("after resuming: %d entries, %v", len(page), err)
	}
}

func TestTradesAndClosedOrdersPagersFixEnd(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var ends []string
	calls := 0
	h := func(body func(n int) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			form := verifySignature(t, r, readBody(t, r))
			mu.Lock()
			ends = append(ends, form.Get("end"))
			n := calls
			calls++
			mu.Unlock()
			_, _ = w.Write([]byte(body(n)))
		}
	}
	trades := func(n int) string {
		if n > 0 {
			return `{"error":[],"result":{"trades":{},"count":1}}`
		}
		return `{"error":[],"result":{"trades":{"TB":{"ordertxid":"O","pair":"P","time":5.25,"type":"buy","ordertype":"limit","price":"1","cost":"1","fee":"0","vol":"1"},"TA":{"ordertxid":"O","pair":"P","time":4,"type":"buy","ordertype":"limit","price":"1","cost":"1","fee":"0","vol":"1"}},"count":2}}`
	}
	c, _ := setup(t, h(trades))
	var got []string
	for page, err := range c.TradesPager(&TradesHistoryOptions{Ledgers: true}).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range page {
			got = append(got, tr.ID)
		}
	}
	if !slices.Equal(got, []string{"TB", "TA"}) || !slices.Equal(ends, []string{"", "TB"}) {
		t.Errorf("trades %v, ends %v", got, ends)
	}

	mu.Lock()
	ends, calls = nil, 0
	mu.Unlock()
	orders := func(n int) string {
		if n > 0 {
			return `{"error":[],"result":{"closed":{},"count":2}}`
		}
		// OA closed last but opened first: the end must be its close time.
		return `{"error":[],"result":{"closed":{"OA":{"status":"closed","opentm":1,"closetm":100.5,"descr":{},"vol":"1","vol_exec":"1","cost":"1","fee":"0","price":"1"},"OB":{"status":"closed","opentm":50,"closetm":60,"descr":{},"vol":"1","vol_exec":"1","cost":"1","fee":"0","price":"1"}},"count":2}}`
	}
	c2, _ := setup(t, h(orders))
	got = nil
	for page, err := range c2.ClosedOrdersPager(nil).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			got = append(got, o.ID)
		}
	}
	if !slices.Equal(got, []string{"OA", "OB"}) || !slices.Equal(ends, []string{"", "100.5"}) {
		t.Errorf("orders %v, ends %v", got, ends)
	}
}
