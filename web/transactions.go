package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
)

// The transactions page lists every ledger entry of the user's accounts,
// newest first, with filters and a search, in pages that stay fast on a
// million entries: keyset paging (the URL carries the (time, ID, account)
// of the entry the page continues from), never an offset.
//
// The store's FindEntries counts every match, which costs tens of
// milliseconds on a million entries; so the pages query it over time
// windows that start small (a week before the newest entry) and grow only
// while they hold too few entries, and the count covers a window only.

const (
	txPageSize = 50
	// txLookahead is how many entries beyond a page are read to keep the
	// legs of one refid (a trade and its fee) on the same page.
	txLookahead = 8
	// txSearchBudget bounds the entries one search request reads; the page
	// then offers to search on from where it stopped.
	txSearchBudget = 5_000
	txBatch        = 500
	txFirstWindow  = 7 * 24 * time.Hour
)

// txFloor is the earliest time a window reaches before the last one, which
// has no lower bound.
var txFloor = time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)

// txCursor is the position of an entry in (time, ID, account) order.
type txCursor struct {
	Time    time.Time
	Account int64
	ID      string
}

func (c txCursor) String() string {
	return fmt.Sprintf("%d~%d~%s", c.Time.UnixNano(), c.Account, c.ID)
}

func cursorOf(e *cointally.Entry) txCursor {
	return txCursor{Time: e.Time, Account: e.AccountID, ID: e.ID}
}

func parseCursor(s string) (txCursor, bool) {
	parts := strings.SplitN(s, "~", 3)
	if len(parts) != 3 || parts[2] == "" {
		return txCursor{}, false
	}
	ns, err1 := strconv.ParseInt(parts[0], 10, 64)
	acct, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || acct <= 0 {
		return txCursor{}, false
	}
	return txCursor{Time: time.Unix(0, ns).UTC(), Account: acct, ID: parts[2]}, true
}

// cmp orders an entry against the cursor as the store orders entries.
func (c txCursor) cmp(e *cointally.Entry) int {
	if d := e.Time.Compare(c.Time); d != 0 {
		return d
	}
	if d := strings.Compare(e.ID, c.ID); d != 0 {
		return d
	}
	switch {
	case e.AccountID < c.Account:
		return -1
	case e.AccountID > c.Account:
		return 1
	}
	return 0
}

// txQuery is the page's filters as parsed from the URL.
type txQuery struct {
	Account          int64
	Asset, Type, Q   string
	FromText, ToText string
	From, To         time.Time // To is exclusive: the day after ToText
	Before, After    *txCursor
	As               string // the owner whose data a viewer reads (see scopeOf)
}

var (
	assetRE = regexp.MustCompile(`^[A-Z0-9.]{1,16}$`)
	typeRE  = regexp.MustCompile(`^[a-z0-9_]{1,24}$`)
)

func badRequest(format string, args ...any) error {
	return &cointally.Error{Kind: cointally.KindInvalid, Message: fmt.Sprintf(format, args...)}
}

// parseTxQuery reads the filters; KindInvalid with a sentence for the
// user when one is malformed.
func parseTxQuery(v url.Values) (txQuery, error) {
	var q txQuery
	if s := strings.TrimSpace(v.Get("account")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, badRequest("The account filter %q is not an account number.", s)
		}
		q.Account = id
	}
	if s := strings.ToUpper(strings.TrimSpace(v.Get("asset"))); s != "" {
		if !assetRE.MatchString(s) {
			return q, badRequest("The asset filter %q is not an asset code such as XXBT or DOT.S.", s)
		}
		q.Asset = s
	}
	if s := strings.ToLower(strings.TrimSpace(v.Get("type"))); s != "" {
		if !typeRE.MatchString(s) {
			return q, badRequest("The type filter %q is not a ledger entry type such as trade or deposit.", s)
		}
		q.Type = s
	}
	day := func(name string) (time.Time, string, error) {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return time.Time{}, "", nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, "", badRequest("The date %q is not a date such as 2024-05-31.", s)
		}
		return t, s, nil
	}
	var err error
	if q.From, q.FromText, err = day("from"); err != nil {
		return q, err
	}
	if q.To, q.ToText, err = day("to"); err != nil {
		return q, err
	}
	if !q.To.IsZero() {
		q.To = q.To.AddDate(0, 0, 1)
		if !q.From.IsZero() && !q.To.After(q.From) {
			return q, badRequest("The date range ends (%s) before it starts (%s).", q.ToText, q.FromText)
		}
	}
	q.Q = strings.TrimSpace(v.Get("q"))
	if len(q.Q) > 64 || strings.ContainsFunc(q.Q, func(r rune) bool { return r < ' ' }) {
		return q, badRequest("Search for a ledger ID, a refid or an asset (at most 64 characters).")
	}
	for _, p := range []struct {
		name string
		dst  **txCursor
	}{{"before", &q.Before}, {"after", &q.After}} {
		if s := v.Get(p.name); s != "" {
			c, ok := parseCursor(s)
			if !ok {
				return q, badRequest("The page link is damaged: start again from the first page.")
			}
			*p.dst = &c
		}
	}
	if q.Before != nil && q.After != nil {
		return q, badRequest("The page link is damaged: start again from the first page.")
	}
	return q, nil
}

// values returns the filters as URL values, without the cursor.
func (q txQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Account != 0 {
		v.Set("account", strconv.FormatInt(q.Account, 10))
	}
	set("asset", q.Asset)
	set("type", q.Type)
	set("from", q.FromText)
	set("to", q.ToText)
	set("q", q.Q)
	set("as", q.As)
	return v
}

func (q txQuery) url(path string, extra ...string) string {
	v := q.values()
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// assetAliases maps common symbols to the part of Kraken's codes that
// names them, so a search for BTC finds XXBT, XBT.M and XBT.F.
var assetAliases = map[string]string{"BTC": "XBT", "DOGE": "XDG"}

// matcher returns the search's test, nil when there is no search.
func (q txQuery) matcher() func(*cointally.Entry) bool {
	if q.Q == "" {
		return nil
	}
	term := strings.ToUpper(q.Q)
	asset := term
	if a, ok := assetAliases[term]; ok {
		asset = a
	}
	return func(e *cointally.Entry) bool {
		return strings.Contains(strings.ToUpper(e.ID), term) || strings.Contains(strings.ToUpper(e.RefID), term) ||
			strings.Contains(strings.ToUpper(e.Asset), asset)
	}
}

// entryScan walks the entries matching a filter in one direction, in
// batches over growing time windows, from a cursor (exclusive).
type entryScan struct {
	st     cointally.LedgerStore
	f      cointally.EntryFilter // UserID, AccountID, Asset, Type
	lo, hi time.Time             // bounds: lo inclusive (zero: none), hi exclusive
	desc   bool
	cursor *txCursor
	match  func(*cointally.Entry) bool
	budget int // entries read at most (0: no limit)

	window  time.Duration
	winEdge time.Time // the current window's far edge (lo side when desc)
	started bool
	done    bool
	read    int
	// last is the last entry read (matching or not), for a search that
	// stops on its budget.
	last *cointally.Entry
}

// next returns up to n more matching entries; fewer means the scan ended
// (done) or ran out of budget.
func (sc *entryScan) next(ctx context.Context, n int) ([]*cointally.Entry, error) {
	var out []*cointally.Entry
	limit := n + txLookahead
	if sc.match != nil {
		limit = max(limit, txBatch) // a search reads many entries per match
	}
	for len(out) < n && !sc.done {
		if sc.budget > 0 && sc.read >= sc.budget {
			return out, nil
		}
		if !sc.started {
			sc.started = true
			sc.window = txFirstWindow
			if c := sc.cursor; c != nil {
				// Windows start at the cursor, not at the newest entry.
				if sc.desc && c.Time.Add(1).Before(sc.hi) {
					sc.hi = c.Time.Add(1)
				}
				if !sc.desc && c.Time.After(sc.lo) {
					sc.lo = c.Time
				}
			}
			if !sc.lo.IsZero() && !sc.lo.Before(sc.hi) {
				sc.done = true
				return out, nil
			}
			sc.moveWindow(true)
		}
		f := sc.f
		f.Descending = sc.desc
		f.Limit = limit
		if sc.desc {
			f.From, f.To = sc.winEdge, sc.hi
			if sc.cursor != nil && sc.cursor.Time.Before(f.To) {
				f.To = sc.cursor.Time.Add(1)
			}
		} else {
			f.From, f.To = sc.lo, sc.winEdge
			if sc.cursor != nil && sc.cursor.Time.After(f.From) {
				f.From = sc.cursor.Time
			}
		}
		batch, total, err := sc.st.FindEntries(ctx, f)
		if err != nil {
			return nil, err
		}
		progress := false
		for _, e := range batch {
			if sc.cursor != nil {
				c := sc.cursor.cmp(e)
				if sc.desc && c >= 0 || !sc.desc && c <= 0 {
					continue
				}
			}
			progress = true
			sc.read++
			sc.last = e
			if sc.match == nil || sc.match(e) {
				out = append(out, e)
			}
		}
		if len(batch) == limit {
			// More in this window: continue after its last entry.
			c := cursorOf(batch[len(batch)-1])
			sc.cursor = &c
			if !progress {
				limit *= 2 // more entries share one time than a batch holds
			}
			sc.shrink(c.Time, total, limit)
			continue
		}
		// The window is exhausted: the next one is larger.
		if sc.desc {
			sc.hi = sc.winEdge
		} else {
			sc.lo = sc.winEdge
		}
		sc.moveWindow(false)
	}
	return out, nil
}

// shrink narrows a window that holds many more entries than a batch
// (total, counted by the store on every query) to about four batches
// beyond at, assuming the entries spread evenly: each query then counts a
// few batches, not the whole window.
func (sc *entryScan) shrink(at time.Time, total, limit int) {
	if total <= 16*limit {
		return
	}
	var span time.Duration
	if sc.desc {
		span = at.Sub(sc.winEdge)
	} else {
		span = sc.winEdge.Sub(at)
	}
	span = span / time.Duration(total/(4*limit))
	if span < time.Second {
		return
	}
	sc.window = span
	if sc.desc {
		sc.winEdge = at.Add(-span)
	} else {
		sc.winEdge = at.Add(span)
	}
}

// moveWindow places the next window beyond the current one, or ends the
// scan when the bounds are passed.
func (sc *entryScan) moveWindow(first bool) {
	if !first {
		if sc.desc && (sc.winEdge.IsZero() || !sc.winEdge.After(sc.lo) && !sc.lo.IsZero()) ||
			!sc.desc && (sc.winEdge.IsZero() || !sc.winEdge.Before(sc.hi)) {
			sc.done = true
			return
		}
		sc.window *= 4
	}
	if sc.desc {
		edge := sc.hi.Add(-sc.window)
		if edge.Before(txFloor) || !sc.lo.IsZero() && !edge.After(sc.lo) {
			edge = sc.lo // the last window: down to the bound (or none)
		}
		sc.winEdge = edge
		return
	}
	edge := sc.lo.Add(sc.window)
	if !edge.Before(sc.hi) {
		edge = time.Time{}
		if !sc.hi.IsZero() {
			edge = sc.hi
		}
	}
	sc.winEdge = edge
}

// newestTime returns just after the newest entry of the user's accounts
// (or of one), the upper bound of a scan; zero when there are none.
func (s *Server) newestTime(ctx context.Context, accts []*cointally.Account) (time.Time, error) {
	var t time.Time
	for _, a := range accts {
		e, err := s.cfg.Store.NewestEntry(ctx, a.ID)
		if cointally.IsNotFound(err) {
			continue
		}
		if err != nil {
			return time.Time{}, err
		}
		if e.Time.After(t) {
			t = e.Time
		}
	}
	if t.IsZero() {
		return t, nil
	}
	return t.Add(1), nil
}

type txData struct {
	Scope    scope
	Query    txQuery
	Accounts []*cointally.Account
	Types    []string
	Rows     template.HTML // the table's row groups (see txRowsHTML)
	Older    string        // URL of the older page, "" if none
	Newer    string        // URL of the newer page, "" if none
	First    string        // URL of the newest page, "" on it
	CSV      string
	// SearchedTo is set when a search stopped on its budget: it looked at
	// entries down to this time.
	SearchedTo time.Time
	// Exact is set when the search term is a ledger ID or refid: the page
	// lists those entries (with the other legs of their transactions).
	Exact bool
	Empty bool
}

// txGroup is the entries of one refid that sit together on a page: a
// trade's two legs and its fee.
type txGroup struct {
	RefID   string
	Time    time.Time
	Account string
	Entries []*cointally.Entry
}

// txRowsHTML writes the table's row groups. The rows are the bulk of the
// page, and html/template escapes each cell through a reflective call
// (half of the page's time), so they are written here, every value
// escaped with html.EscapeString (text and double-quoted attributes) and
// url.QueryEscape (query values).
func txRowsHTML(groups []txGroup, as string) template.HTML {
	var b strings.Builder
	b.Grow(len(groups) * 700)
	esc := html.EscapeString
	asParam := ""
	if as != "" {
		asParam = "&amp;as=" + esc(url.QueryEscape(as))
	}
	for _, g := range groups {
		b.WriteString(`<tbody class="txgroup`)
		if len(g.Entries) > 1 {
			b.WriteString(` multi`)
		}
		b.WriteString("\">\n")
		for i, e := range g.Entries {
			fmt.Fprintf(&b, `<tr data-id="%s" data-account="%d">`, esc(e.ID), e.AccountID)
			if i == 0 {
				fmt.Fprintf(&b, `<td>%s</td><td>%s</td>`, e.Time.UTC().Format("2006-01-02 15:04:05"), esc(g.Account))
			} else {
				b.WriteString(`<td></td><td></td>`)
			}
			b.WriteString(`<td>` + esc(e.Type))
			if e.Subtype != "" {
				b.WriteString(` <small class="muted">` + esc(e.Subtype) + `</small>`)
			}
			if e.Unknown {
				b.WriteString(` <span class="warn" title="a type cointally does not know: kept, not classified">?</span>`)
			}
			fmt.Fprintf(&b, `</td><td><a href="/transactions?asset=%s%s">%s</a></td>`, esc(url.QueryEscape(e.Asset)), asParam, esc(e.Asset))
			class := "ok"
			if e.Amount.IsNegative() {
				class = "bad"
			}
			fee, bal := "—", "—"
			if !e.Fee.IsZero() {
				fee = e.Fee.String()
			}
			if e.HasBalance {
				bal = e.Balance.String()
			}
			fmt.Fprintf(&b, `<td class="%s">%s</td><td>%s</td><td>%s</td><td><code>%s</code></td><td>`, class, e.Amount.String(), fee, bal, esc(e.ID))
			if i == 0 {
				b.WriteString(`<code>` + esc(g.RefID) + `</code>`)
			}
			b.WriteString("</td></tr>\n")
		}
		b.WriteString("</tbody>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// txTypes are the Kraken ledger types offered in the type filter.
var txTypes = []string{"trade", "deposit", "withdrawal", "staking", "earn", "transfer", "spend", "receive",
	"margin", "rollover", "settled", "adjustment", "credit", "dividend", "sale", "conversion", "nfttrade", "invite bonus"}

func (s *Server) transactionsPage(w http.ResponseWriter, r *http.Request) {
	q, err := parseTxQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	who, err := s.scopeOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.As = who.AsValue()
	accts, sc, err := s.txScan(ctx, who.Owner, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := txData{Scope: who, Query: q, Accounts: accts, Types: txTypes, CSV: q.url("/transactions.csv")}
	names := map[int64]string{}
	for _, a := range accts {
		names[a.ID] = a.Name
	}
	var list []*cointally.Entry
	if q.Q != "" && q.Before == nil && q.After == nil {
		// A ledger ID or refid pasted from Kraken is found at once through
		// the store's indexes, however old it is.
		if list, err = s.exactMatches(ctx, who.Owner.ID, q); err != nil {
			s.fail(w, r, err)
			return
		}
		data.Exact = len(list) > 0
	}
	const want = txPageSize + txLookahead
	if sc != nil && !data.Exact {
		if list, err = sc.next(ctx, want); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	// Keep a refid's legs together: a page may run a few entries over.
	n := min(len(list), txPageSize)
	for n < len(list) && n > 0 && list[n].RefID == list[n-1].RefID && list[n].RefID != "" {
		n++
	}
	if data.Exact {
		n = len(list)
	}
	// A scan returns fewer entries than asked only when it ended, or when a
	// search used up its budget: then the next page goes on from the last
	// entry it read.
	budgetStop := sc != nil && !data.Exact && !sc.done && len(list) < want
	more := n < len(list) || budgetStop
	page := list[:n]
	forward := q.After == nil // newest first was the scan's direction
	var ahead *txCursor       // where the next page in the scan's direction starts
	if more {
		switch {
		case budgetStop && n == len(list) && sc.last != nil:
			c := cursorOf(sc.last)
			ahead = &c
			if n == 0 {
				data.SearchedTo = sc.last.Time
			}
		case n > 0:
			c := cursorOf(page[n-1])
			ahead = &c
		}
	}
	if !forward {
		slices.Reverse(page)
	}
	if forward {
		if ahead != nil {
			data.Older = q.url("/transactions", "before", ahead.String())
		}
		if q.Before != nil && len(page) > 0 {
			data.Newer = q.url("/transactions", "after", cursorOf(page[0]).String())
		}
	} else {
		if ahead != nil {
			data.Newer = q.url("/transactions", "after", ahead.String())
		}
		if len(page) > 0 {
			data.Older = q.url("/transactions", "before", cursorOf(page[len(page)-1]).String())
		}
	}
	if q.Before != nil || q.After != nil {
		data.First = q.url("/transactions")
	}
	var groups []txGroup
	for _, e := range page {
		if k := len(groups) - 1; k >= 0 && e.RefID != "" && groups[k].RefID == e.RefID && groups[k].Entries[0].AccountID == e.AccountID {
			groups[k].Entries = append(groups[k].Entries, e)
			continue
		}
		groups = append(groups, txGroup{RefID: e.RefID, Time: e.Time, Account: names[e.AccountID], Entries: []*cointally.Entry{e}})
	}
	data.Rows = txRowsHTML(groups, q.As)
	data.Empty = len(page) == 0
	s.render(w, r, http.StatusOK, "transactions", data)
}

// maxExact bounds the entries an exact search shows (a refid has a few).
const maxExact = 200

// exactMatches returns the entries whose ledger ID or refid is the search
// term (as typed or in upper case, as Kraken writes them) within the other
// filters, with the other legs of their transactions, newest first.
func (s *Server) exactMatches(ctx context.Context, ownerID int64, q txQuery) ([]*cointally.Entry, error) {
	base := cointally.EntryFilter{UserID: ownerID, AccountID: q.Account, Asset: q.Asset, Type: q.Type,
		From: q.From, To: q.To, Limit: maxExact, Descending: true}
	seen := map[string]bool{}
	var out []*cointally.Entry
	add := func(f cointally.EntryFilter) error {
		list, _, err := s.cfg.Store.FindEntries(ctx, f)
		for _, e := range list {
			if c := cursorOf(e).String(); !seen[c] && len(out) < maxExact {
				seen[c] = true
				out = append(out, e)
			}
		}
		return err
	}
	terms := []string{q.Q}
	if up := strings.ToUpper(q.Q); up != q.Q {
		terms = append(terms, up)
	}
	for _, term := range terms {
		byID, byRef := base, base
		byID.ID, byRef.RefID = term, term
		if err := add(byID); err != nil {
			return nil, err
		}
		if err := add(byRef); err != nil {
			return nil, err
		}
	}
	// The other legs of a transaction found by one of its ledger IDs.
	refs := map[string]bool{}
	for _, e := range out {
		if e.RefID != "" && !refs[e.RefID] {
			refs[e.RefID] = true
			legs := base
			legs.RefID = e.RefID
			if err := add(legs); err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(out, func(a, b *cointally.Entry) int { return cursorOf(a).cmp(b) }) // newest first
	return out, nil
}

// txScan checks the filters against the user's accounts and returns the
// scan of the page (nil when nothing can match).
func (s *Server) txScan(ctx context.Context, u *cointally.User, q txQuery) ([]*cointally.Account, *entryScan, error) {
	accts, err := s.cfg.Store.Accounts(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	scanned := accts
	if q.Account != 0 {
		scanned = nil
		for _, a := range accts {
			if a.ID == q.Account {
				scanned = []*cointally.Account{a}
			}
		}
		if scanned == nil {
			return nil, nil, &cointally.Error{Kind: cointally.KindNotFound, Message: "There is no such account."}
		}
	}
	newest, err := s.newestTime(ctx, scanned)
	if err != nil || newest.IsZero() {
		return accts, nil, err
	}
	sc := &entryScan{st: s.cfg.Store, f: cointally.EntryFilter{UserID: u.ID, AccountID: q.Account, Asset: q.Asset, Type: q.Type},
		lo: q.From, hi: newest, desc: q.After == nil, match: q.matcher()}
	if !q.To.IsZero() && q.To.Before(sc.hi) {
		sc.hi = q.To
	}
	if !sc.lo.IsZero() && !sc.lo.Before(sc.hi) {
		return accts, nil, nil
	}
	if q.Q != "" {
		sc.budget = txSearchBudget
	}
	switch {
	case q.Before != nil:
		sc.cursor = q.Before
	case q.After != nil:
		sc.cursor = q.After
	}
	return accts, sc, nil
}

// transactionsCSV streams every entry matching the filters (the cursor is
// ignored), newest first, exact amounts, times in RFC 3339 UTC.
func (s *Server) transactionsCSV(w http.ResponseWriter, r *http.Request) {
	q, err := parseTxQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.Before, q.After = nil, nil
	ctx := r.Context()
	who, err := s.scopeOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	accts, sc, err := s.txScan(ctx, who.Owner, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, a := range accts {
		names[a.ID] = a.Name
	}
	var first []*cointally.Entry
	if sc != nil {
		sc.budget = 0 // a download reads everything
		if first, err = sc.next(ctx, txBatch); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="cointally-transactions.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "account", "ledger_id", "refid", "type", "subtype", "asset", "wallet", "amount", "fee", "balance", "source"})
	for batch := first; len(batch) > 0; {
		for _, e := range batch {
			bal := ""
			if e.HasBalance {
				bal = e.Balance.String()
			}
			_ = cw.Write([]string{e.Time.UTC().Format(time.RFC3339Nano), csvSafe(names[e.AccountID]), csvSafe(e.ID), csvSafe(e.RefID),
				csvSafe(e.Type), csvSafe(e.Subtype), csvSafe(e.Asset), csvSafe(e.Wallet), e.Amount.String(), e.Fee.String(), bal, csvSafe(e.Source)})
		}
		if sc.done {
			break
		}
		if batch, err = sc.next(ctx, txBatch); err != nil {
			// The header is sent: end the file with a line that says so.
			s.log.Error("web: transactions CSV", "error", err)
			_ = cw.Write([]string{"# the download stopped early: " + s.userMessage(err)})
			break
		}
	}
	cw.Flush()
}

var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// csvSafe defuses a cell a spreadsheet would run as a formula (OWASP, CSV
// injection): a cell starting with = + - @, a tab or a carriage return
// gets a leading apostrophe, unless it is a plain number.
func csvSafe(s string) string {
	if s == "" || plainNumber.MatchString(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
