package krakensim

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// account is a served Account plus the server's derived state: lazily built
// time indexes for paging, and the account's exports.
type account struct {
	a *Account

	idxMu  sync.Mutex // guards the indexes; held under a.Mu (read or write)
	ledger map[string]*posIndex
	trades *posIndex
	closed *posIndex // by close time
	opened *posIndex // closed orders by open time

	expMu     sync.Mutex
	exports   []*export
	exportSeq uint64
}

// posIndex lists positions in a source slice in ascending time order. n is
// the source length it was built from: a longer source (new activity)
// makes it stale.
type posIndex struct {
	n   int
	pos []int32
}

// maxLedgerIndexes bounds the cached filtered ledger indexes per account.
const maxLedgerIndexes = 64

// ledgerIndex returns the positions of the entries that pass the asset set
// (nil: all) and type ("": all), ascending by time. The caller holds
// a.Mu for reading.
func (ac *account) ledgerIndex(assets []string, typ string) []int32 {
	entries := ac.a.Entries
	key := typ + "|" + strings.Join(assets, ",")
	ac.idxMu.Lock()
	defer ac.idxMu.Unlock()
	if ix := ac.ledger[key]; ix != nil && ix.n == len(entries) {
		return ix.pos
	}
	base := ac.ledger["|"]
	if base == nil || base.n != len(entries) {
		base = &posIndex{n: len(entries), pos: sortedPositions(len(entries), func(i int) Stamp { return entries[i].Time })}
		if ac.ledger == nil || len(ac.ledger) >= maxLedgerIndexes {
			ac.ledger = map[string]*posIndex{}
		}
		ac.ledger["|"] = base
	}
	if key == "|" {
		return base.pos
	}
	var set map[string]bool
	if len(assets) > 0 {
		set = make(map[string]bool, len(assets))
		for _, a := range assets {
			set[a] = true
		}
	}
	pos := make([]int32, 0, len(base.pos)/4)
	for _, p := range base.pos {
		e := &entries[p]
		if set != nil && !set[e.Asset] {
			continue
		}
		if typ != "" && e.Type != typ {
			continue
		}
		pos = append(pos, p)
	}
	if len(ac.ledger) >= maxLedgerIndexes {
		ac.ledger = map[string]*posIndex{"|": base}
	}
	ac.ledger[key] = &posIndex{n: len(entries), pos: pos}
	return pos
}

// tradeIndex returns the trades' positions ascending by time.
func (ac *account) tradeIndex() []int32 {
	trades := ac.a.Trades
	ac.idxMu.Lock()
	defer ac.idxMu.Unlock()
	if ac.trades == nil || ac.trades.n != len(trades) {
		ac.trades = &posIndex{n: len(trades), pos: sortedPositions(len(trades), func(i int) Stamp { return trades[i].Time })}
	}
	return ac.trades.pos
}

// closedIndex returns the closed orders' positions ascending by close time
// (byOpen: by open time).
func (ac *account) closedIndex(byOpen bool) []int32 {
	orders := ac.a.Closed
	ac.idxMu.Lock()
	defer ac.idxMu.Unlock()
	if byOpen {
		if ac.opened == nil || ac.opened.n != len(orders) {
			ac.opened = &posIndex{n: len(orders), pos: sortedPositions(len(orders), func(i int) Stamp { return orders[i].OpenTm })}
		}
		return ac.opened.pos
	}
	if ac.closed == nil || ac.closed.n != len(orders) {
		ac.closed = &posIndex{n: len(orders), pos: sortedPositions(len(orders), func(i int) Stamp { return orders[i].CloseTm })}
	}
	return ac.closed.pos
}

// sortedPositions returns 0..n-1 ordered by time (stable: equal times keep
// their source order).
func sortedPositions(n int, time func(int) Stamp) []int32 {
	pos := make([]int32, n)
	sorted := true
	for i := range pos {
		pos[i] = int32(i)
		if i > 0 && time(i) < time(i-1) {
			sorted = false
		}
	}
	if !sorted {
		sort.SliceStable(pos, func(a, b int) bool { return time(int(pos[a])) < time(int(pos[b])) })
	}
	return pos
}

// bounds is an inclusive time window.
type bounds struct{ lo, hi Stamp }

var allTime = bounds{lo: 0, hi: math.MaxInt64}

func (b bounds) contains(t Stamp) bool { return t >= b.lo && t <= b.hi }

// span returns the index range [i, j) of pos whose times lie in b.
func (b bounds) span(pos []int32, time func(int32) Stamp) (int, int) {
	i := sort.Search(len(pos), func(k int) bool { return time(pos[k]) >= b.lo })
	j := sort.Search(len(pos), func(k int) bool { return time(pos[k]) > b.hi })
	if j < i {
		j = i
	}
	return i, j
}

// keyRange is the history window the calling key may see.
func (c *call) keyRange() bounds {
	b := allTime
	if c.key == nil {
		return b
	}
	if t := c.key.cfg.QueryFrom; !t.IsZero() {
		b.lo = stampCeil(t)
	}
	if t := c.key.cfg.QueryTo; !t.IsZero() {
		b.hi = StampOf(t)
	}
	return b
}

// stampCeil converts t to a Stamp, rounding up below 1e-4 s.
func stampCeil(t time.Time) Stamp {
	s := StampOf(t)
	if s.Time().Before(t) {
		s++
	}
	return s
}

// window resolves start (exclusive) and end (inclusive), given as unix
// times or as IDs resolved by byID, and clamps them to the key's range.
// A start after the key's query_to, or an end before its query_from, is
// EGeneral:Invalid arguments:start/end.
func (c *call) window(byID func(string) (Stamp, bool)) (bounds, error) {
	kr := c.keyRange()
	b := kr
	resolve := func(name string) (Stamp, bool, error) {
		s, ok := c.p.get(name)
		s = strings.TrimSpace(s)
		if !ok || s == "" {
			return 0, false, nil
		}
		if t, ok := parseStamp(s); ok {
			return t, true, nil
		}
		if byID != nil {
			if t, ok := byID(s); ok && kr.contains(t) {
				return t, true, nil
			}
		}
		return 0, false, invalidArg(name)
	}
	start, has, err := resolve("start")
	if err != nil {
		return b, err
	}
	if has {
		if start > kr.hi {
			return b, invalidArg("start")
		}
		if start+1 > b.lo {
			b.lo = start + 1
		}
	}
	end, has, err := resolve("end")
	if err != nil {
		return b, err
	}
	if has {
		if end < kr.lo {
			return b, invalidArg("end")
		}
		if end < b.hi {
			b.hi = end
		}
	}
	return b, nil
}

// pageArgs reads ofs and without_count.
func (c *call) pageArgs() (ofs int, withCount bool, err error) {
	o, err := c.p.integer("ofs", 0, 0, math.MaxInt32)
	if err != nil {
		return 0, false, err
	}
	wc, err := c.p.boolean("without_count")
	if err != nil {
		return 0, false, err
	}
	return int(o), !wc, nil
}

// newestFirst calls emit for the page of pos[i:j] that starts ofs rows from
// the newest, at most size rows, newest first.
func newestFirst(pos []int32, i, j, ofs, size int, emit func(p int32)) {
	for k, n := j-1-ofs, 0; k >= i && n < size; k, n = k-1, n+1 {
		emit(pos[k])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func uintString(n uint64) string { return strconv.FormatUint(n, 10) }

func atoiRange(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		return 0, invalidArg("n")
	}
	return n, nil
}
