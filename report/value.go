package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/price"
)

// ValuePlaces is the number of decimal places of a value computed from a
// market price (quantity × price), rounded half even. Values read from a
// trade's own fiat leg are exact.
const ValuePlaces = 10

// WithdrawalFee says how a crypto withdrawal fee is treated.
type WithdrawalFee string

const (
	// FeeDisposal disposes of the fee quantity at its market value (the
	// default): the gain or loss on those units is realised.
	FeeDisposal WithdrawalFee = "disposal"
	// FeeLoss disposes of the fee quantity for nothing: its cost becomes a
	// capital loss.
	FeeLoss WithdrawalFee = "loss"
)

// FeeCredits says what a fee paid in fee credits (Kraken KFEE) is worth.
type FeeCredits string

const (
	// FeeCreditsZero: nothing (the default). Fee credits are a promotion
	// with no market and no cost.
	FeeCreditsZero FeeCredits = "zero"
	// FeeCreditsFace: 0.01 USD per credit, Kraken's face value, added to
	// the trade's fee. Credits still have no lots.
	FeeCreditsFace FeeCredits = "face"
)

// DepositCost says what a crypto deposit of unknown cost costs.
type DepositCost string

const (
	// DepositAtMarket: its market value when deposited (the default),
	// flagged as unknown cost.
	DepositAtMarket DepositCost = "market"
	// DepositAtZero: nothing, flagged; gains on it are then overstated
	// rather than understated.
	DepositAtZero DepositCost = "zero"
)

// Options are the valuation rules that a user may choose.
type Options struct {
	// Currency is the report currency's symbol ("EUR", "USD", "GBP").
	Currency      string
	WithdrawalFee WithdrawalFee
	FeeCredits    FeeCredits
	DepositCost   DepositCost
}

func (o *Options) defaults() error {
	if o.Currency == "" {
		return &cointally.Error{Op: "report", Kind: cointally.KindInvalid, Message: "no report currency"}
	}
	if o.WithdrawalFee == "" {
		o.WithdrawalFee = FeeDisposal
	}
	if o.FeeCredits == "" {
		o.FeeCredits = FeeCreditsZero
	}
	if o.DepositCost == "" {
		o.DepositCost = DepositAtMarket
	}
	switch {
	case o.WithdrawalFee != FeeDisposal && o.WithdrawalFee != FeeLoss:
		return cointally.Errorf(cointally.KindInvalid, "unknown withdrawal fee rule %q: use disposal or loss", o.WithdrawalFee)
	case o.FeeCredits != FeeCreditsZero && o.FeeCredits != FeeCreditsFace:
		return cointally.Errorf(cointally.KindInvalid, "unknown fee credit rule %q: use zero or face", o.FeeCredits)
	case o.DepositCost != DepositAtMarket && o.DepositCost != DepositAtZero:
		return cointally.Errorf(cointally.KindInvalid, "unknown deposit cost rule %q: use market or zero", o.DepositCost)
	}
	return nil
}

// IncomeLine is one income receipt.
type IncomeLine struct {
	Time     time.Time
	Kind     string // the event's detail: staking-reward, earn-reward, airdrop, invite-bonus, reward
	Asset    string
	Quantity money.Amount
	Value    money.Amount // in the report currency
	// ValueUnknown is set when no price was found (Value is then zero).
	ValueUnknown bool
	PriceSource  string
	EventID      string
	LedgerIDs    []string
}

// MarginLine is one margin result: a profit or loss (Value signed), or a
// fee (Value negative).
type MarginLine struct {
	Time         time.Time
	Kind         string // pl, fee, rollover
	Asset        string
	Quantity     money.Amount // signed: what the account received or paid
	Value        money.Amount // signed, in the report currency
	ValueUnknown bool
	PriceSource  string
	RefID        string
	LedgerIDs    []string
}

// QuarantineLine is an unclassified ledger group: kept out of every
// computation and shown to the user.
type QuarantineLine struct {
	Time  time.Time
	RefID string
	Legs  []cointally.Leg
	Fees  []cointally.Leg
	// Value is the approximate value of everything the group moved (the
	// absolute legs and the fees); Unpriced lists the assets without a
	// price, whose part is missing from Value.
	Value     money.Amount
	Unpriced  []string
	Note      string
	LedgerIDs []string
}

// Note is something about the valuation the user should know.
type Note struct {
	Time      time.Time
	Message   string
	LedgerIDs []string
}

// Book is the valued history: the engine's input and everything the
// reports need beside it.
type Book struct {
	Currency string
	// Txns for costbasis.Compute, in time order.
	Txns []cointally.Txn
	// PriceSources[i] is how Txns[i] was valued: "trade" (its own fiat leg),
	// a price source (package price), or "none" (ValueUnknown).
	PriceSources []string
	Income       []IncomeLine
	Margin       []MarginLine
	Quarantine   []QuarantineLine
	Notes        []Note
	// HeldElsewhere is, per asset, what was withdrawn and has not come back
	// (still the owner's, in a wallet cointally does not see); InFutures
	// what went to the Futures wallet and has not come back.
	HeldElsewhere map[string]money.Amount
	InFutures     map[string]money.Amount
	// Events counts the events valued.
	Events int

	byEvent map[string]int // event ID -> first Txn index, built on demand
}

// SourceOf returns how the Txn of an event was valued ("" if the event
// made no Txn). The first call indexes every Txn; for a few events, prefer
// Sources.
func (b *Book) SourceOf(eventID string) string {
	if b.byEvent == nil {
		b.byEvent = make(map[string]int, len(b.Txns))
		for i := len(b.Txns) - 1; i >= 0; i-- {
			b.byEvent[b.Txns[i].EventID] = i
		}
	}
	i, ok := b.byEvent[eventID]
	if !ok {
		return ""
	}
	return b.PriceSources[i]
}

// Sources returns how the Txn of each of the events was valued, by event
// ID, in one pass over the Txns.
func (b *Book) Sources(eventIDs []string) map[string]string {
	want := make(map[string]string, len(eventIDs))
	for _, id := range eventIDs {
		want[id] = ""
	}
	left := len(want)
	for i := range b.Txns {
		id := b.Txns[i].EventID
		if s, ok := want[id]; ok && s == "" {
			want[id] = b.PriceSources[i]
			if left--; left == 0 {
				break
			}
		}
	}
	return want
}

// Value values events (in time order) in opts.Currency with prices. It fails
// only when prices fails for another reason than a missing price (an
// unreachable exchange, a broken cache), or on invalid options.
func Value(ctx context.Context, events []cointally.Event, prices price.Source, opts Options) (*Book, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	v := &valuer{ctx: ctx, prices: prices, opts: opts, cur: opts.Currency,
		book:      &Book{Currency: opts.Currency, HeldElsewhere: map[string]money.Amount{}, InFutures: map[string]money.Amount{}, Events: len(events)},
		withdrawn: map[string]money.Amount{}, futures: map[string]money.Amount{}}
	v.book.Txns = make([]cointally.Txn, 0, len(events)+len(events)/4)
	v.book.PriceSources = make([]string, 0, cap(v.book.Txns))
	for i := range events {
		if err := v.event(&events[i]); err != nil {
			return nil, err
		}
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	for a, q := range v.withdrawn {
		if q.IsPositive() {
			v.book.HeldElsewhere[a] = q
		}
	}
	for a, q := range v.futures {
		if q.IsPositive() {
			v.book.InFutures[a] = q
		}
	}
	return v.book, nil
}

type valuer struct {
	ctx    context.Context
	prices price.Source
	opts   Options
	cur    string
	book   *Book
	seq    int64

	withdrawn map[string]money.Amount // crypto withdrawn, not yet back
	futures   map[string]money.Amount // crypto in the Futures wallet
}

// valued is a value with its source.
type valued struct {
	value   money.Amount
	source  string
	unknown bool
}

// value returns the report-currency value of qty (>= 0) of asset at t.
func (v *valuer) value(qty money.Amount, asset string, t time.Time) (valued, error) {
	if asset == v.cur {
		return valued{value: qty, source: "amount"}, nil
	}
	q, err := v.prices.Price(v.ctx, asset, v.cur, t)
	if err != nil {
		if price.IsNoPrice(err) {
			return valued{source: "none", unknown: true}, nil
		}
		return valued{}, fmt.Errorf("valuing %s %s on %s: %w", qty, asset, t.UTC().Format(time.DateOnly), err)
	}
	return valued{value: qty.Mul(q.Price).Round(ValuePlaces, money.HalfEven), source: q.Source}, nil
}

// txn appends a Txn and its price source.
func (v *valuer) txn(ev *cointally.Event, kind cointally.TxnKind, src cointally.TxnSource, asset string, qty money.Amount, val valued) int {
	v.seq++
	v.book.Txns = append(v.book.Txns, cointally.Txn{Time: ev.Time, Seq: v.seq, Kind: kind, Asset: asset, Quantity: qty,
		Value: val.value, ValueUnknown: val.unknown, Source: src, EventID: ev.ID, LedgerIDs: ev.LedgerIDs})
	v.book.PriceSources = append(v.book.PriceSources, val.source)
	return len(v.book.Txns) - 1
}

func (v *valuer) note(ev *cointally.Event, format string, args ...any) {
	v.book.Notes = append(v.book.Notes, Note{Time: ev.Time, Message: fmt.Sprintf(format, args...), LedgerIDs: ev.LedgerIDs})
}

func (v *valuer) event(ev *cointally.Event) error {
	switch ev.Kind {
	case cointally.EventTrade, cointally.EventConversion:
		return v.trade(ev)
	case cointally.EventDeposit:
		return v.deposit(ev)
	case cointally.EventWithdrawal:
		return v.withdrawal(ev)
	case cointally.EventInternal:
		return v.internal(ev)
	case cointally.EventIncome:
		return v.income(ev)
	case cointally.EventAdjustment:
		return v.adjustment(ev)
	case cointally.EventMargin:
		return v.margin(ev)
	case cointally.EventFeeCredit:
		return nil // fee credits have no lots and no value
	case cointally.EventUnclassified:
		return v.quarantine(ev)
	default:
		return v.quarantine(&cointally.Event{ID: ev.ID, RefID: ev.RefID, Time: ev.Time, Legs: ev.Legs, Fees: ev.Fees,
			LedgerIDs: ev.LedgerIDs, Note: fmt.Sprintf("event kind %q is not known to the valuation", ev.Kind)})
	}
}

// fees values an event's fees, disposing of the crypto ones, and returns
// their total value (and whether any part is unknown).
func (v *valuer) fees(ev *cointally.Event, rule WithdrawalFee) (money.Amount, bool, error) {
	var total money.Amount
	unknown := false
	for _, f := range ev.Fees {
		switch {
		case f.Asset == "KFEE":
			if v.opts.FeeCredits == FeeCreditsZero {
				continue
			}
			val, err := v.value(f.Amount.Mul(money.New(1, -2)), "USD", ev.Time)
			if err != nil {
				return total, unknown, err
			}
			total = total.Add(val.value)
			unknown = unknown || val.unknown
		case cointally.IsFiat(f.Asset):
			val, err := v.value(f.Amount, f.Asset, ev.Time)
			if err != nil {
				return total, unknown, err
			}
			total = total.Add(val.value)
			unknown = unknown || val.unknown
		default:
			val, err := v.value(f.Amount, f.Asset, ev.Time)
			if err != nil {
				return total, unknown, err
			}
			proceeds := val
			if rule == FeeLoss {
				proceeds = valued{source: val.source + " (fee as a loss: no proceeds)"}
			}
			v.txn(ev, cointally.Dispose, cointally.TxnFee, f.Asset, f.Amount, proceeds)
			total = total.Add(val.value)
			unknown = unknown || val.unknown
		}
	}
	return total, unknown, nil
}

func (v *valuer) trade(ev *cointally.Event) error {
	var give, get cointally.Leg
	for _, l := range ev.Legs {
		if l.Amount.IsNegative() {
			give = cointally.Leg{Asset: l.Asset, Amount: l.Amount.Neg()}
		} else {
			get = l
		}
	}
	if give.Asset == "" || get.Asset == "" {
		return v.quarantine(&cointally.Event{ID: ev.ID, RefID: ev.RefID, Time: ev.Time, Legs: ev.Legs, Fees: ev.Fees,
			LedgerIDs: ev.LedgerIDs, Note: "a trade without one leg given and one received"})
	}
	// The value of the exchange: the fiat leg first.
	var val valued
	var err error
	switch {
	case give.Asset == v.cur:
		val = valued{value: give.Amount, source: "trade"}
	case get.Asset == v.cur:
		val = valued{value: get.Amount, source: "trade"}
	case cointally.IsFiat(give.Asset):
		val, err = v.value(give.Amount, give.Asset, ev.Time)
		val.source = "trade " + give.Asset + " leg at " + val.source
	case cointally.IsFiat(get.Asset):
		val, err = v.value(get.Amount, get.Asset, ev.Time)
		val.source = "trade " + get.Asset + " leg at " + val.source
	default:
		val, err = v.value(give.Amount, give.Asset, ev.Time)
		if err == nil && val.unknown {
			val, err = v.value(get.Amount, get.Asset, ev.Time)
		}
	}
	if err != nil {
		return err
	}
	src := cointally.TxnTrade
	if ev.Kind == cointally.EventConversion || !cointally.IsFiat(give.Asset) && !cointally.IsFiat(get.Asset) {
		src = cointally.TxnConversion
	}
	// Acquisitions before disposals: the engine's order at one instant, so
	// that it need not sort.
	disp, acq := -1, -1
	if !cointally.IsFiat(get.Asset) {
		acq = v.txn(ev, cointally.Acquire, src, get.Asset, get.Amount, val)
	}
	if !cointally.IsFiat(give.Asset) {
		disp = v.txn(ev, cointally.Dispose, src, give.Asset, give.Amount, val)
	}
	fee, unknown, err := v.fees(ev, FeeDisposal)
	if err != nil {
		return err
	}
	if fee.IsZero() && !unknown {
		return nil
	}
	switch {
	case disp >= 0:
		v.book.Txns[disp].Fee = fee
		v.book.Txns[disp].ValueUnknown = v.book.Txns[disp].ValueUnknown || unknown
	case acq >= 0:
		v.book.Txns[acq].Fee = fee
		v.book.Txns[acq].ValueUnknown = v.book.Txns[acq].ValueUnknown || unknown
	}
	return nil
}

func (v *valuer) deposit(ev *cointally.Event) error {
	for _, l := range ev.Legs {
		if cointally.IsFiat(l.Asset) || !l.Amount.IsPositive() {
			continue
		}
		back := money.Min(l.Amount, v.withdrawn[l.Asset])
		if back.IsPositive() {
			v.withdrawn[l.Asset] = v.withdrawn[l.Asset].Sub(back)
		}
		rest := l.Amount.Sub(back)
		if !rest.IsPositive() {
			continue
		}
		val, err := v.value(rest, l.Asset, ev.Time)
		if err != nil {
			return err
		}
		if v.opts.DepositCost == DepositAtZero {
			val = valued{source: "deposit of unknown cost, taken as zero"}
		}
		val.unknown = true
		v.txn(ev, cointally.Acquire, cointally.TxnDepositUnknownCost, l.Asset, rest, val)
	}
	_, _, err := v.fees(ev, v.opts.WithdrawalFee)
	return err
}

func (v *valuer) withdrawal(ev *cointally.Event) error {
	for _, l := range ev.Legs {
		if cointally.IsFiat(l.Asset) || !l.Amount.IsNegative() {
			continue
		}
		v.withdrawn[l.Asset] = v.withdrawn[l.Asset].Add(l.Amount.Neg())
	}
	_, _, err := v.fees(ev, v.opts.WithdrawalFee)
	return err
}

func (v *valuer) internal(ev *cointally.Event) error {
	if ev.Detail == cointally.DetailFutures {
		for _, l := range ev.Legs {
			if cointally.IsFiat(l.Asset) {
				continue
			}
			if l.Amount.IsNegative() {
				v.futures[l.Asset] = v.futures[l.Asset].Add(l.Amount.Neg())
				continue
			}
			back := money.Min(l.Amount, v.futures[l.Asset])
			if back.IsPositive() {
				v.futures[l.Asset] = v.futures[l.Asset].Sub(back)
			}
			extra := l.Amount.Sub(back)
			if !extra.IsPositive() {
				continue
			}
			val, err := v.value(extra, l.Asset, ev.Time)
			if err != nil {
				return err
			}
			v.txn(ev, cointally.Acquire, cointally.TxnAdjustment, l.Asset, extra, val)
			v.note(ev, "%s %s more came back from the Futures wallet than went in: acquired at market value (%s %s); the Futures result itself is not in Kraken's spot ledger",
				extra, l.Asset, display(val.value), v.cur)
		}
	}
	_, _, err := v.fees(ev, FeeDisposal)
	return err
}

func (v *valuer) income(ev *cointally.Event) error {
	for _, l := range ev.Legs {
		if !l.Amount.IsPositive() {
			continue
		}
		val, err := v.value(l.Amount, l.Asset, ev.Time)
		if err != nil {
			return err
		}
		v.book.Income = append(v.book.Income, IncomeLine{Time: ev.Time, Kind: ev.Detail, Asset: l.Asset, Quantity: l.Amount,
			Value: val.value, ValueUnknown: val.unknown, PriceSource: val.source, EventID: ev.ID, LedgerIDs: ev.LedgerIDs})
		if !cointally.IsFiat(l.Asset) {
			v.txn(ev, cointally.Acquire, cointally.TxnIncome, l.Asset, l.Amount, val)
		}
	}
	_, _, err := v.fees(ev, FeeDisposal)
	return err
}

func (v *valuer) adjustment(ev *cointally.Event) error {
	for _, l := range ev.Legs {
		if cointally.IsFiat(l.Asset) {
			continue
		}
		kind := cointally.Acquire
		qty := l.Amount
		if l.Amount.IsNegative() {
			kind, qty = cointally.Dispose, l.Amount.Neg()
		}
		val, err := v.value(qty, l.Asset, ev.Time)
		if err != nil {
			return err
		}
		v.txn(ev, kind, cointally.TxnAdjustment, l.Asset, qty, val)
	}
	_, _, err := v.fees(ev, FeeDisposal)
	return err
}

func (v *valuer) margin(ev *cointally.Event) error {
	for _, l := range ev.Legs {
		qty := l.Amount.Abs()
		val, err := v.value(qty, l.Asset, ev.Time)
		if err != nil {
			return err
		}
		signed := val.value
		if l.Amount.IsNegative() {
			signed = signed.Neg()
		}
		v.book.Margin = append(v.book.Margin, MarginLine{Time: ev.Time, Kind: ev.Detail, Asset: l.Asset, Quantity: l.Amount,
			Value: signed, ValueUnknown: val.unknown, PriceSource: val.source, RefID: ev.RefID, LedgerIDs: ev.LedgerIDs})
		if cointally.IsFiat(l.Asset) {
			continue
		}
		if l.Amount.IsNegative() {
			v.txn(ev, cointally.Dispose, cointally.TxnAdjustment, l.Asset, qty, val)
		} else {
			v.txn(ev, cointally.Acquire, cointally.TxnAdjustment, l.Asset, qty, val)
		}
	}
	for _, f := range ev.Fees {
		val, err := v.value(f.Amount, f.Asset, ev.Time)
		if err != nil {
			return err
		}
		v.book.Margin = append(v.book.Margin, MarginLine{Time: ev.Time, Kind: feeKind(ev.Detail), Asset: f.Asset, Quantity: f.Amount.Neg(),
			Value: val.value.Neg(), ValueUnknown: val.unknown, PriceSource: val.source, RefID: ev.RefID, LedgerIDs: ev.LedgerIDs})
		if !cointally.IsFiat(f.Asset) && f.Asset != "KFEE" {
			v.txn(ev, cointally.Dispose, cointally.TxnFee, f.Asset, f.Amount, val)
		}
	}
	return nil
}

func feeKind(detail string) string {
	if detail == cointally.DetailRollover {
		return cointally.DetailRollover
	}
	return cointally.DetailMarginFee
}

func (v *valuer) quarantine(ev *cointally.Event) error {
	q := QuarantineLine{Time: ev.Time, RefID: ev.RefID, Legs: ev.Legs, Fees: ev.Fees, Note: ev.Note, LedgerIDs: ev.LedgerIDs}
	for _, ls := range [][]cointally.Leg{ev.Legs, ev.Fees} {
		for _, l := range ls {
			if l.Asset == "KFEE" {
				continue
			}
			val, err := v.value(l.Amount.Abs(), l.Asset, ev.Time)
			if err != nil {
				return err
			}
			if val.unknown {
				if !contains(q.Unpriced, l.Asset) {
					q.Unpriced = append(q.Unpriced, l.Asset)
				}
				continue
			}
			q.Value = q.Value.Add(val.value)
		}
	}
	v.book.Quarantine = append(v.book.Quarantine, q)
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// display rounds a value to cents for people.
func display(a money.Amount) string { return a.StringFixed(2) }

// legsText renders legs as "-1.5 ETH, +0.08 BTC".
func legsText(ls []cointally.Leg) string {
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		s := l.Amount.String()
		if l.Amount.IsPositive() {
			s = "+" + s
		}
		parts = append(parts, s+" "+l.Asset)
	}
	return strings.Join(parts, ", ")
}
