package kraken

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// Classification reads Kraken ledger entries as cointally.Events (QUIRKS.md
// "Event shapes to recognise", REFERENCE §11.4). The unit of meaning is the
// refid group: every entry of an account that shares a refid, whatever its
// time. Each group becomes one event, several (margin positions: one per
// entry), none (a failed withdrawal, whose two entries cancel out), or one
// EventUnclassified that keeps its amounts for the user to review.
//
// The shapes, and what they become:
//
//	trade rows, one refid (+ a KFEE fee row)       trade: one asset given, one received; same-side legs
//	                                               from several wallets (XXBT + XBT.F) summed; fees per asset
//	spend + receive (+ deposit)                    conversion (the card deposit, if it shares the refid, a deposit)
//	conversion rows                                conversion
//	deposit                                        deposit; KFEE: fee-credit; subtype spotfromfutures: internal
//	                                               (a pending row without balance beside its credited row counts once)
//	withdrawal                                     withdrawal with its fee; subtype spottofutures: internal
//	withdrawal rows that cancel out                nothing (a failed withdrawal)
//	transfer staking subtypes                      internal (staking); futures subtypes: internal (futures)
//	transfer, empty subtype, received              income (airdrop, fork)
//	transfer delistingconversion                   adjustment (delisting)
//	earn allocation/deallocation/autoallocat(e|ion) internal (earn); migration: internal (migration)
//	earn reward                                    income (earn-reward)
//	staking, received                              income (staking-reward)
//	staking ETH2.S − / ETH2 +                      internal (eth2-conversion): the virtual conversion
//	deposit + staking, one refid                   income once (the pair some accounts show)
//	adjustment                                     adjustment (delisting): legs as they are, often unpaired
//	margin / rollover / settled                    margin events per entry (P/L, fee, rollover); settled
//	                                               legs that give one asset for another: trade (settled)
//	invite bonus                                   income (invite-bonus)
//	reward, dividend, received                     income (reward)
//	anything else                                  unclassified, with the reason
//
// Assets are folded to their base symbol with the classifier's normalize
// function ("XXBT", "XBT.F" -> "BTC"; "DOT28.S" -> "DOT").

// ClassifierVersion changes whenever the classification of some ledger
// shape changes, so that derived data (a cache of events) is rebuilt.
const ClassifierVersion = 1

// Classification is what a Classifier found.
type Classification struct {
	// Events in time order (ties in ledger order). Quarantined groups are
	// among them with Kind EventUnclassified.
	Events []cointally.Event
	// Entries and Groups count what was read.
	Entries, Groups int
	// Canceled counts groups whose entries cancel out (failed
	// withdrawals): they give no event.
	Canceled int
	// Pending counts rows without a balance dropped beside their credited
	// row (a CSV deposit's pending row), so the deposit counts once.
	Pending int
	// Empty counts groups with no effect at all (every amount and fee zero).
	Empty int
}

// Unclassified returns the quarantined events.
func (c *Classification) Unclassified() []cointally.Event {
	var out []cointally.Event
	for i := range c.Events {
		if c.Events[i].Kind == cointally.EventUnclassified {
			out = append(out, c.Events[i])
		}
	}
	return out
}

// Classifier groups ledger entries by refid and classifies the groups. Feed
// it entries with Add (in ledger order, as the store streams them, for the
// fastest path; any order works) and call Finish once. It keeps a compact
// copy of what it needs, not the entries. The zero value is not usable: use
// NewClassifier.
type Classifier struct {
	normalize func(string) (string, string)

	recs   []rec
	groups []group
	index  map[groupKey]int32
	names  []string          // interned strings by index
	nameIx map[string]uint16 // string -> index in names
	bases  []uint16          // per interned asset code: the interned base symbol (cached)
	sorted bool
	lastT  int64
	// The previous entry's group and names: consecutive entries mostly
	// share them, and a comparison is cheaper than a map lookup.
	lastGroup                  int32
	lastTyp, lastSub, lastCode uint16
	lastKnownTyp, lastKnownSub uint16 // a known type/subtype pair
}

type groupKey struct {
	account int64
	refid   string
}

type group struct {
	key        groupKey
	head, tail int32 // linked list of recs through rec.next
	n          int32
}

// rec is the part of an entry the classifier needs.
type rec struct {
	id          string
	t           int64 // unix nanoseconds
	amount, fee money.Amount
	next        int32
	typ, sub    uint16
	code        uint16 // the exchange's asset code
	hasBalance  bool
	unknown     bool
}

// NewClassifier returns a classifier that folds asset codes with normalize
// (nil: NormalizeAsset; pass an Exchange's NormalizeAsset to use the
// altnames of Kraken's Assets endpoint).
func NewClassifier(normalize func(code string) (base, suffix string)) *Classifier {
	if normalize == nil {
		normalize = NormalizeAsset
	}
	c := &Classifier{normalize: normalize, index: map[groupKey]int32{}, nameIx: map[string]uint16{}, sorted: true,
		lastKnownTyp: 0xffff, lastKnownSub: 0xffff}
	c.intern("") // index 0 is the empty string
	return c
}

// intern returns the index of s, adding it (a copy) if new.
func (c *Classifier) intern(s string) uint16 {
	if i, ok := c.nameIx[s]; ok {
		return i
	}
	if len(c.names) >= 1<<16-1 {
		// 65,535 distinct types, subtypes and asset codes: not a ledger.
		panic("kraken: classifier: too many distinct names")
	}
	s = strings.Clone(s)
	i := uint16(len(c.names))
	c.names = append(c.names, s)
	c.nameIx[s] = i
	c.bases = append(c.bases, 0xffff)
	return i
}

// internLast is intern with a one-entry cache in *last.
func (c *Classifier) internLast(s string, last *uint16) uint16 {
	if c.names[*last] == s {
		return *last
	}
	i := c.intern(s)
	*last = i
	return i
}

// base returns the base symbol of the asset code with index code.
func (c *Classifier) base(code uint16) string {
	if b := c.bases[code]; b != 0xffff {
		return c.names[b]
	}
	b, _ := c.normalize(c.names[code])
	bi := c.intern(b)
	c.bases[code] = bi
	return c.names[bi]
}

// Grow makes room for n more entries, for callers that know the size of
// the ledger (the store's EntryCount): the classifier then grows its
// tables once instead of step by step.
func (c *Classifier) Grow(n int) {
	if n <= 0 {
		return
	}
	c.recs = slices.Grow(c.recs, n)
	c.groups = slices.Grow(c.groups, n/2+1)
	if len(c.index) == 0 {
		c.index = make(map[groupKey]int32, n/2+1)
	}
}

// Add reads one entry. The classifier keeps none of e's memory.
func (c *Classifier) Add(e *cointally.Entry) {
	t := e.Time.UnixNano()
	if t < c.lastT {
		c.sorted = false
	}
	c.lastT = t
	r := rec{id: strings.Clone(e.ID), t: t, amount: e.Amount, fee: e.Fee, next: -1,
		typ: c.internLast(e.Type, &c.lastTyp), sub: c.internLast(e.Subtype, &c.lastSub), code: c.internLast(e.Asset, &c.lastCode),
		hasBalance: e.HasBalance, unknown: e.Unknown}
	if !r.unknown && (r.typ != c.lastKnownTyp || r.sub != c.lastKnownSub) {
		r.unknown = !KnownLedgerType(e.Type, e.Subtype)
	}
	ri := int32(len(c.recs))
	c.recs = append(c.recs, r)
	var (
		gi int32
		ok bool
	)
	if len(c.groups) > 0 {
		if g := &c.groups[c.lastGroup]; g.key.account == e.AccountID && g.key.refid == e.RefID {
			gi, ok = c.lastGroup, true
		}
	}
	key := groupKey{account: e.AccountID, refid: e.RefID}
	if !ok {
		gi, ok = c.index[key]
	}
	if !r.unknown {
		c.lastKnownTyp, c.lastKnownSub = r.typ, r.sub
	}
	c.lastGroup = gi
	if !ok {
		key.refid = strings.Clone(key.refid)
		gi = int32(len(c.groups))
		c.groups = append(c.groups, group{key: key, head: ri, tail: ri})
		c.index[key] = gi
	} else {
		g := &c.groups[gi]
		c.recs[g.tail].next = ri
		g.tail = ri
	}
	c.groups[gi].n++
}

// Classify classifies a whole ledger at once with NormalizeAsset.
func Classify(entries []cointally.Entry) *Classification {
	c := NewClassifier(nil)
	c.Grow(len(entries))
	for i := range entries {
		c.Add(&entries[i])
	}
	return c.Finish()
}

// Finish classifies every group and returns the events. The classifier
// must not be used afterwards.
func (c *Classifier) Finish() *Classification {
	out := &Classification{Entries: len(c.recs), Groups: len(c.groups)}
	if !c.sorted {
		c.sortRecs()
	}
	f := finisher{c: c, out: out}
	f.ids = make([]string, 0, len(c.recs))
	f.events = make([]cointally.Event, 0, len(c.groups)+len(c.groups)/16)
	var buf []*rec
	for gi := range c.groups {
		g := &c.groups[gi]
		buf = buf[:0]
		for ri := g.head; ri >= 0; ri = c.recs[ri].next {
			buf = append(buf, &c.recs[ri])
		}
		f.group(g, buf)
	}
	events := f.events
	if len(f.late) > 0 {
		// Events of split groups come at their entries' own times: merge.
		slices.SortStableFunc(f.late, func(a, b cointally.Event) int { return a.Time.Compare(b.Time) })
		merged := make([]cointally.Event, 0, len(events)+len(f.late))
		i, j := 0, 0
		for i < len(events) || j < len(f.late) {
			if j == len(f.late) || i < len(events) && !f.late[j].Time.Before(events[i].Time) {
				merged = append(merged, events[i])
				i++
			} else {
				merged = append(merged, f.late[j])
				j++
			}
		}
		events = merged
	}
	// A group's first entry fixes its place; a part of a group placed at
	// a later entry's time (a card deposit after its conversion) could
	// break the order: restore it.
	if !slices.IsSortedFunc(events, func(a, b cointally.Event) int { return a.Time.Compare(b.Time) }) {
		slices.SortStableFunc(events, func(a, b cointally.Event) int { return a.Time.Compare(b.Time) })
	}
	out.Events = events
	c.recs, c.groups, c.index = nil, nil, nil
	return out
}

// sortRecs puts the entries in (time, ID) order and rebuilds the groups in
// the order of their first entry, for input that was not in time order.
func (c *Classifier) sortRecs() {
	type ref struct {
		ri int32
		gi int32
	}
	refs := make([]ref, 0, len(c.recs))
	for gi := range c.groups {
		for ri := c.groups[gi].head; ri >= 0; ri = c.recs[ri].next {
			refs = append(refs, ref{ri, int32(gi)})
		}
	}
	slices.SortStableFunc(refs, func(a, b ref) int {
		ra, rb := &c.recs[a.ri], &c.recs[b.ri]
		return cmp.Or(cmp.Compare(ra.t, rb.t), strings.Compare(ra.id, rb.id))
	})
	old := c.groups
	c.groups = make([]group, 0, len(old))
	newIx := make([]int32, len(old))
	for i := range newIx {
		newIx[i] = -1
	}
	for _, r := range refs {
		c.recs[r.ri].next = -1
		ng := newIx[r.gi]
		if ng < 0 {
			ng = int32(len(c.groups))
			newIx[r.gi] = ng
			c.groups = append(c.groups, group{key: old[r.gi].key, head: r.ri, tail: r.ri, n: old[r.gi].n})
			continue
		}
		g := &c.groups[ng]
		c.recs[g.tail].next = r.ri
		g.tail = r.ri
	}
	c.sorted = true
}

// finisher builds the events of one Finish call, carving ledger IDs and
// legs out of shared arrays.
type finisher struct {
	c      *Classifier
	out    *Classification
	events []cointally.Event
	late   []cointally.Event // events at their own entries' times (split groups)
	ids    []string
	legs   []cointally.Leg

	legBuf, feeBuf []cointally.Leg // scratch for sums
}

const (
	tyTrade      = "trade"
	tyDeposit    = "deposit"
	tyWithdrawal = "withdrawal"
	tyTransfer   = "transfer"
	tyStaking    = "staking"
	tyEarn       = "earn"
	tySpend      = "spend"
	tyReceive    = "receive"
	tyConversion = "conversion"
	tyAdjustment = "adjustment"
	tyMargin     = "margin"
	tyRollover   = "rollover"
	tySettled    = "settled"
	tyInvite     = "invite bonus"
	tyReward     = "reward"
	tyDividend   = "dividend"
)

func (f *finisher) typ(r *rec) string  { return f.c.names[r.typ] }
func (f *finisher) sub(r *rec) string  { return f.c.names[r.sub] }
func (f *finisher) code(r *rec) string { return f.c.names[r.code] }
func (f *finisher) base(r *rec) string { return f.c.base(r.code) }

// ledgerIDs returns the IDs of rs as a slice of the shared array.
func (f *finisher) ledgerIDs(rs []*rec) []string {
	if cap(f.ids)-len(f.ids) < len(rs) {
		f.ids = make([]string, 0, max(4096, len(rs)))
	}
	start := len(f.ids)
	for _, r := range rs {
		f.ids = append(f.ids, r.id)
	}
	return f.ids[start:len(f.ids):len(f.ids)]
}

// carve copies ls into the shared leg array.
func (f *finisher) carve(ls []cointally.Leg) []cointally.Leg {
	if len(ls) == 0 {
		return nil
	}
	if cap(f.legs)-len(f.legs) < len(ls) {
		f.legs = make([]cointally.Leg, 0, max(4096, len(ls)))
	}
	start := len(f.legs)
	f.legs = append(f.legs, ls...)
	return f.legs[start:len(f.legs):len(f.legs)]
}

// sums adds the amounts (and fees) of rs per base asset, in order of first
// appearance, dropping assets whose amounts sum to zero (fees: whose fees
// do). The slices are scratch space, valid until the next call.
func (f *finisher) sums(rs []*rec) (legs, fees []cointally.Leg) {
	legs, fees = f.legBuf[:0], f.feeBuf[:0]
	defer func() { f.legBuf, f.feeBuf = legs[:0], fees[:0] }()
	for _, r := range rs {
		b := f.base(r)
		if !r.amount.IsZero() {
			legs = addLeg(legs, b, r.amount)
		}
		if !r.fee.IsZero() {
			fees = addLeg(fees, b, r.fee)
		}
	}
	return dropZero(legs), dropZero(fees)
}

func addLeg(ls []cointally.Leg, asset string, amount money.Amount) []cointally.Leg {
	for i := range ls {
		if ls[i].Asset == asset {
			ls[i].Amount = ls[i].Amount.Add(amount)
			return ls
		}
	}
	return append(ls, cointally.Leg{Asset: asset, Amount: amount})
}

func dropZero(ls []cointally.Leg) []cointally.Leg {
	out := ls[:0]
	for _, l := range ls {
		if !l.Amount.IsZero() {
			out = append(out, l)
		}
	}
	return out
}

// emit adds an event for rs.
func (f *finisher) emit(g *group, rs []*rec, kind cointally.EventKind, detail string, legs, fees []cointally.Leg) {
	f.events = append(f.events, cointally.Event{ID: g.key.refid, RefID: g.key.refid, AccountID: g.key.account, Kind: kind, Detail: detail,
		Time: time.Unix(0, rs[0].t).UTC(), Legs: f.carve(legs), Fees: f.carve(fees), LedgerIDs: f.ledgerIDs(rs)})
}

// emitSplit adds an event for one entry of a group that gives several,
// identified by its ledger ID and placed at its own time.
func (f *finisher) emitSplit(g *group, r *rec, kind cointally.EventKind, detail string, legs, fees []cointally.Leg, note string) {
	f.late = append(f.late, cointally.Event{ID: r.id, RefID: g.key.refid, AccountID: g.key.account, Kind: kind, Detail: detail,
		Time: time.Unix(0, r.t).UTC(), Legs: f.carve(legs), Fees: f.carve(fees), LedgerIDs: f.ledgerIDs([]*rec{r}), Note: note})
}

// quarantine adds an EventUnclassified for rs with the reason.
func (f *finisher) quarantine(g *group, rs []*rec, reason string) {
	legs, fees := f.sums(rs)
	var b strings.Builder
	b.WriteString(reason)
	b.WriteString(" (")
	for i, r := range rs {
		if i > 0 {
			b.WriteString(", ")
		}
		t, s := f.typ(r), f.sub(r)
		b.WriteString(t)
		if s != "" {
			b.WriteString("/" + s)
		}
		b.WriteString(" " + r.amount.String() + " " + f.code(r))
		if !r.fee.IsZero() {
			b.WriteString(" fee " + r.fee.String())
		}
	}
	b.WriteString(")")
	f.events = append(f.events, cointally.Event{ID: g.key.refid, RefID: g.key.refid, AccountID: g.key.account,
		Kind: cointally.EventUnclassified, Time: time.Unix(0, rs[0].t).UTC(), Legs: f.carve(legs), Fees: f.carve(fees),
		LedgerIDs: f.ledgerIDs(rs), Note: b.String()})
}

// group classifies one refid group (rs in ledger order).
func (f *finisher) group(g *group, rs []*rec) {
	rs = f.dropPending(rs)
	for _, r := range rs {
		if r.unknown {
			t, s := f.typ(r), f.sub(r)
			f.quarantine(g, rs, fmt.Sprintf("unknown ledger type %q with subtype %q", t, s))
			return
		}
	}
	allZero := true
	for _, r := range rs {
		if !r.amount.IsZero() || !r.fee.IsZero() {
			allZero = false
			break
		}
	}
	if allZero {
		f.out.Empty++
		return
	}
	var types [4]string
	ts := types[:0]
	for _, r := range rs {
		if t := f.typ(r); !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	only := func(allowed ...string) bool {
		for _, t := range ts {
			if !slices.Contains(allowed, t) {
				return false
			}
		}
		return true
	}
	has := func(t string) bool { return slices.Contains(ts, t) }
	switch {
	case only(tyTrade):
		f.trade(g, rs, cointally.EventTrade, cointally.DetailSpot)
	case only(tySpend, tyReceive, tyDeposit) && (has(tySpend) || has(tyReceive)):
		f.conversion(g, rs)
	case only(tyConversion):
		f.trade(g, rs, cointally.EventConversion, cointally.DetailInstant)
	case only(tyDeposit):
		f.deposit(g, rs)
	case only(tyWithdrawal):
		f.withdrawal(g, rs)
	case only(tyTransfer):
		f.transfer(g, rs)
	case only(tyEarn):
		f.earn(g, rs)
	case only(tyStaking):
		f.staking(g, rs)
	case only(tyDeposit, tyStaking):
		f.stakingPair(g, rs)
	case only(tyAdjustment):
		f.adjustment(g, rs, cointally.DetailDelisting)
	case only(tyMargin, tyRollover, tySettled):
		f.margin(g, rs)
	case only(tyInvite):
		f.income(g, rs, cointally.DetailInviteBonus)
	case only(tyReward, tyDividend):
		f.income(g, rs, cointally.DetailReward)
	default:
		f.quarantine(g, rs, fmt.Sprintf("ledger types %s do not form a known shape together", strings.Join(ts, ", ")))
	}
}

// dropPending drops rows without a balance that duplicate a credited row
// of the group (same type, asset and amount): a CSV deposit's pending row.
func (f *finisher) dropPending(rs []*rec) []*rec {
	pending := false
	for _, r := range rs {
		if !r.hasBalance {
			pending = true
			break
		}
	}
	if !pending {
		return rs
	}
	out := make([]*rec, 0, len(rs))
	for _, r := range rs {
		if !r.hasBalance && slices.ContainsFunc(rs, func(o *rec) bool {
			return o.hasBalance && o.typ == r.typ && o.code == r.code && o.amount.Equal(r.amount)
		}) {
			f.out.Pending++
			continue
		}
		out = append(out, r)
	}
	return out
}

// trade reads a group that gives one asset and receives another.
func (f *finisher) trade(g *group, rs []*rec, kind cointally.EventKind, detail string) {
	legs, fees := f.sums(rs)
	var give, get int
	for _, l := range legs {
		switch {
		case l.Asset == "KFEE":
			f.quarantine(g, rs, "a trade leg in fee credits (KFEE)")
			return
		case l.Amount.IsNegative():
			give++
		default:
			get++
		}
	}
	switch {
	case give == 1 && get == 1:
		f.emit(g, rs, kind, detail, legs, fees)
	case len(legs) < 2 && len(rs) > 1 && sameBase(f, rs):
		f.quarantine(g, rs, "a trade between two forms of one asset")
	default:
		f.quarantine(g, rs, fmt.Sprintf("a %s that gives %d assets and receives %d (want one each)", kind, give, get))
	}
}

func sameBase(f *finisher, rs []*rec) bool {
	b := f.base(rs[0])
	for _, r := range rs[1:] {
		if f.base(r) != b {
			return false
		}
	}
	return true
}

// conversion reads spend/receive rows (an instant buy or app swap), with
// the card deposit that may come first in the same refid.
func (f *finisher) conversion(g *group, rs []*rec) {
	var dep, conv []*rec
	for _, r := range rs {
		if f.typ(r) == tyDeposit {
			dep = append(dep, r)
		} else {
			conv = append(conv, r)
		}
	}
	if len(dep) > 0 {
		legs, fees := f.sums(dep)
		if len(legs) != 1 || !legs[0].Amount.IsPositive() {
			f.quarantine(g, rs, "a card deposit that is not one positive amount")
			return
		}
		f.events = append(f.events, cointally.Event{ID: dep[0].id, RefID: g.key.refid, AccountID: g.key.account,
			Kind: cointally.EventDeposit, Time: time.Unix(0, dep[0].t).UTC(), Legs: f.carve(legs),
			Fees: f.carve(fees), LedgerIDs: f.ledgerIDs(dep)})
	}
	f.trade(g, conv, cointally.EventConversion, cointally.DetailInstant)
}

// cancels reports whether rs sum to zero in every asset, amounts and fees:
// a failed withdrawal (or deposit) and its reversal.
func (f *finisher) cancels(rs []*rec) bool {
	if len(rs) < 2 {
		return false
	}
	legs, fees := f.sums(rs)
	return len(legs) == 0 && len(fees) == 0
}

func (f *finisher) deposit(g *group, rs []*rec) {
	if f.cancels(rs) {
		f.out.Canceled++
		return
	}
	legs, fees := f.sums(rs)
	if len(legs) != 1 || !legs[0].Amount.IsPositive() {
		f.quarantine(g, rs, "a deposit that is not one positive amount")
		return
	}
	switch {
	case f.sub(rs[0]) == "spotfromfutures":
		f.emit(g, rs, cointally.EventInternal, cointally.DetailFutures, legs, fees)
	case legs[0].Asset == "KFEE":
		f.emit(g, rs, cointally.EventFeeCredit, "", legs, fees)
	default:
		f.emit(g, rs, cointally.EventDeposit, "", legs, fees)
	}
}

func (f *finisher) withdrawal(g *group, rs []*rec) {
	if f.cancels(rs) {
		f.out.Canceled++
		return
	}
	legs, fees := f.sums(rs)
	reversed := slices.ContainsFunc(rs, func(r *rec) bool { return r.amount.IsPositive() || r.fee.IsNegative() })
	if reversed || len(legs) != 1 || !legs[0].Amount.IsNegative() || len(fees) > 1 || len(fees) == 1 && fees[0].Asset != legs[0].Asset {
		f.quarantine(g, rs, "a withdrawal that is not one negative amount with its fee (a partly reversed withdrawal?)")
		return
	}
	if f.sub(rs[0]) == "spottofutures" {
		f.emit(g, rs, cointally.EventInternal, cointally.DetailFutures, legs, fees)
		return
	}
	f.emit(g, rs, cointally.EventWithdrawal, "", legs, fees)
}

// moveLegs returns one leg per entry (folded to its base), for internal
// moves, which keep what they moved even when it nets to zero.
func (f *finisher) moveLegs(rs []*rec) (legs, fees []cointally.Leg) {
	for _, r := range rs {
		if !r.amount.IsZero() {
			legs = append(legs, cointally.Leg{Asset: f.base(r), Amount: r.amount})
		}
		if !r.fee.IsZero() {
			fees = addLeg(fees, f.base(r), r.fee)
		}
	}
	return legs, dropZero(fees)
}

var (
	stakingMoves = []string{"spottostaking", "stakingfromspot", "stakingtospot", "spotfromstaking"}
	futuresMoves = []string{"spottofutures", "spotfromfutures"}
	earnMoves    = []string{"allocation", "deallocation", "autoallocation", "autoallocate"}
)

// subtypes returns the distinct subtypes of rs.
func (f *finisher) subtypes(rs []*rec) []string {
	var out []string
	for _, r := range rs {
		if s := f.sub(r); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func within(xs, set []string) bool {
	for _, x := range xs {
		if !slices.Contains(set, x) {
			return false
		}
	}
	return true
}

func (f *finisher) transfer(g *group, rs []*rec) {
	subs := f.subtypes(rs)
	switch {
	case within(subs, stakingMoves):
		legs, fees := f.moveLegs(rs)
		f.emit(g, rs, cointally.EventInternal, cointally.DetailStaking, legs, fees)
	case within(subs, futuresMoves):
		legs, fees := f.moveLegs(rs)
		f.emit(g, rs, cointally.EventInternal, cointally.DetailFutures, legs, fees)
	case within(subs, []string{"delistingconversion"}):
		f.adjustment(g, rs, cointally.DetailDelisting)
	case within(subs, []string{""}):
		legs, fees := f.sums(rs)
		if len(legs) == 1 && legs[0].Amount.IsPositive() {
			f.emit(g, rs, cointally.EventIncome, cointally.DetailAirdrop, legs, fees)
			return
		}
		f.quarantine(g, rs, "a transfer with an empty subtype that is not one asset received (an OTC or outgoing transfer?)")
	default:
		f.quarantine(g, rs, fmt.Sprintf("transfer subtypes %s do not form a known shape together", strings.Join(subs, ", ")))
	}
}

func (f *finisher) earn(g *group, rs []*rec) {
	subs := f.subtypes(rs)
	switch {
	case within(subs, earnMoves):
		legs, fees := f.moveLegs(rs)
		f.emit(g, rs, cointally.EventInternal, cointally.DetailEarn, legs, fees)
	case within(subs, []string{"migration"}):
		legs, fees := f.moveLegs(rs)
		f.emit(g, rs, cointally.EventInternal, cointally.DetailMigration, legs, fees)
	case within(subs, []string{"reward"}):
		f.income(g, rs, cointally.DetailEarnReward)
	default:
		f.quarantine(g, rs, fmt.Sprintf("earn subtypes %s do not form a known shape together", strings.Join(subs, ", ")))
	}
}

// staking reads legacy staking rows: rewards, or the ETH2.S -> ETH2 virtual
// conversion (a negative ETH2.S row, alone or beside the positive ETH2 one).
func (f *finisher) staking(g *group, rs []*rec) {
	negative := false
	for _, r := range rs {
		if r.amount.IsNegative() {
			negative = true
		}
	}
	if !negative {
		f.income(g, rs, cointally.DetailStakingReward)
		return
	}
	for _, r := range rs {
		if c := f.code(r); c != "ETH2.S" && c != "ETH2" {
			f.quarantine(g, rs, "a negative staking row outside the ETH2.S virtual conversion")
			return
		}
	}
	legs, fees := f.moveLegs(rs)
	f.emit(g, rs, cointally.EventInternal, cointally.DetailETH2, legs, fees)
}

// stakingPair reads a deposit and a staking row with one refid and the same
// asset and amount (how some accounts show a reward): the reward counts once.
func (f *finisher) stakingPair(g *group, rs []*rec) {
	var st []*rec
	for _, r := range rs {
		if f.typ(r) == tyStaking {
			st = append(st, r)
		}
	}
	if len(st) != 1 || len(rs) != 2 || rs[0].code != rs[1].code || !rs[0].amount.Equal(rs[1].amount) || !st[0].amount.IsPositive() {
		f.quarantine(g, rs, "a deposit and a staking row that are not one reward shown twice")
		return
	}
	legs, fees := f.sums(st)
	f.emit(g, rs, cointally.EventIncome, cointally.DetailStakingReward, legs, fees)
}

// income reads rows that each receive an asset.
func (f *finisher) income(g *group, rs []*rec, detail string) {
	for _, r := range rs {
		if r.amount.IsNegative() {
			f.quarantine(g, rs, "a negative amount in a "+detail+" group")
			return
		}
	}
	legs, fees := f.sums(rs)
	if len(legs) == 0 {
		f.quarantine(g, rs, "a "+detail+" group that receives nothing")
		return
	}
	f.emit(g, rs, cointally.EventIncome, detail, legs, fees)
}

func (f *finisher) adjustment(g *group, rs []*rec, detail string) {
	legs, fees := f.sums(rs)
	f.emit(g, rs, cointally.EventAdjustment, detail, legs, fees)
}

// margin reads a position's rows: each margin or rollover row is an event
// at its own time; settled rows that give one asset for another are a
// settled trade.
func (f *finisher) margin(g *group, rs []*rec) {
	var settled []*rec
	for _, r := range rs {
		switch f.typ(r) {
		case tySettled:
			settled = append(settled, r)
			continue
		case tyRollover:
			var legs []cointally.Leg
			if !r.amount.IsZero() {
				legs = []cointally.Leg{{Asset: f.base(r), Amount: r.amount}}
			}
			var fees []cointally.Leg
			if !r.fee.IsZero() {
				fees = []cointally.Leg{{Asset: f.base(r), Amount: r.fee}}
			}
			if len(legs)+len(fees) == 0 {
				continue
			}
			f.emitSplit(g, r, cointally.EventMargin, cointally.DetailRollover, legs, fees, "")
		default:
			detail := cointally.DetailMarginFee
			var legs, fees []cointally.Leg
			if !r.amount.IsZero() {
				detail = cointally.DetailMarginPL
				legs = []cointally.Leg{{Asset: f.base(r), Amount: r.amount}}
			}
			if !r.fee.IsZero() {
				fees = []cointally.Leg{{Asset: f.base(r), Amount: r.fee}}
			}
			if len(legs)+len(fees) == 0 {
				continue
			}
			f.emitSplit(g, r, cointally.EventMargin, detail, legs, fees, "")
		}
	}
	if len(settled) > 0 {
		f.trade(g, settled, cointally.EventTrade, cointally.DetailSettled)
	}
}
