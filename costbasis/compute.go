package costbasis

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// Method is a cost-basis identification method.
type Method uint8

// The methods Compute knows.
const (
	FIFO    Method = iota + 1 // first in, first out
	LIFO                      // last in, first out
	HIFO                      // highest cost per unit first
	Average                   // one average-cost pool per asset
	UK                        // HMRC share pooling: same day, 30 days, section 104
)

var methodNames = [...]string{FIFO: "fifo", LIFO: "lifo", HIFO: "hifo", Average: "average", UK: "uk"}

// ParseMethod reads a method name: "fifo", "lifo", "hifo", "average" or
// "uk" (any case). Anything else is a KindInvalid error that lists them.
func ParseMethod(s string) (Method, error) {
	for m, name := range methodNames {
		if name != "" && strings.EqualFold(s, name) {
			return Method(m), nil
		}
	}
	return 0, &cointally.Error{Op: "costbasis", Kind: cointally.KindInvalid,
		Message: fmt.Sprintf("unknown cost-basis method %q: use fifo, lifo, hifo, average or uk", s)}
}

func (m Method) String() string {
	if int(m) < len(methodNames) && methodNames[m] != "" {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// MarshalText encodes m by its name.
func (m Method) MarshalText() ([]byte, error) {
	if !m.valid() {
		return nil, fmt.Errorf("invalid method %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a name as ParseMethod does.
func (m *Method) UnmarshalText(b []byte) error {
	v, err := ParseMethod(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

func (m Method) valid() bool { return m >= FIFO && m <= UK }

// hasTerm reports whether the method splits gains into short and long term.
func (m Method) hasTerm() bool { return m == FIFO || m == LIFO || m == HIFO }

// SplitPlaces is the number of decimal places of the cost of a part of a lot
// or pool (rounded half even; the remainder stays in the lot).
const SplitPlaces = 18

// Options tune Compute.
type Options struct {
	// Location is the time zone in which calendar days are counted: the UK
	// same-day and 30-day rules, the one-year holding period and period
	// boundaries. Nil means UTC. For the UK method pass Europe/London
	// (loading it is the caller's job: this package does no I/O).
	Location *time.Location
}

// Result is what Compute found.
type Result struct {
	Method Method
	// Location is Options.Location (UTC when none was given).
	Location *time.Location `json:"-"`
	// Disposals in the order they happened (a UK day's disposal at its first
	// disposal).
	Disposals []cointally.Disposal
	// Lots that remain: by asset, then in acquisition order. Average and UK
	// give one pool Lot per asset.
	Lots []cointally.Lot
	// Holdings per asset with a remaining quantity, by asset.
	Holdings []cointally.Holding
	// Income received (Acquire Txns with Source TxnIncome), in order.
	Income []cointally.Income
	// Warnings in time order.
	Warnings []cointally.Warning
	// Totals over all Disposals and Income.
	Totals Totals
}

// Totals sum a set of disposals and income receipts.
type Totals struct {
	Disposals int
	Proceeds  money.Amount // net of disposal fees
	Fees      money.Amount // disposal fees (already deducted from Proceeds)
	Cost      money.Amount
	Gain      money.Amount // Proceeds − Cost
	// ShortTermGain and LongTermGain split Gain for FIFO, LIFO and HIFO;
	// with average and UK they stay zero.
	ShortTermGain money.Amount
	LongTermGain  money.Amount
	Gains         int // disposals with a positive gain
	Losses        int // disposals with a negative gain
	Income        money.Amount
	// ValueUnknown counts disposals and income receipts that involve a Txn
	// whose value is unknown.
	ValueUnknown int
}

// addDisposal adds d to the sums; finish must be called after the last one.
func (t *Totals) addDisposal(d *cointally.Disposal) {
	t.Disposals++
	t.Proceeds = t.Proceeds.Add(d.Proceeds)
	if !d.Fee.IsZero() {
		t.Fees = t.Fees.Add(d.Fee)
	}
	t.Cost = t.Cost.Add(d.Cost)
	if d.Term == cointally.TermShort {
		t.ShortTermGain = t.ShortTermGain.Add(d.Gain)
	}
	switch d.Gain.Sign() {
	case 1:
		t.Gains++
	case -1:
		t.Losses++
	}
	if d.ValueUnknown {
		t.ValueUnknown++
	}
}

// finish derives Gain (and LongTermGain, when the method has terms) from the
// sums: exact arithmetic makes Σ(proceeds − cost) = Σproceeds − Σcost.
func (t *Totals) finish(m Method) {
	t.Gain = t.Proceeds.Sub(t.Cost)
	if m.hasTerm() {
		t.LongTermGain = t.Gain.Sub(t.ShortTermGain)
	}
}

func (t *Totals) addIncome(in *cointally.Income) {
	t.Income = t.Income.Add(in.Value)
	if in.ValueUnknown {
		t.ValueUnknown++
	}
}

// Compute runs method over txns. It fails only on invalid input (a
// KindInvalid *cointally.Error naming the Txn): a Kind other than Acquire or
// Dispose, an empty Asset, a zero Time, a Quantity that is not positive, a
// negative Value or Fee, or two Txns of one asset with the same (Time, Kind,
// Seq). txns is not modified; the Result shares its LedgerIDs slices.
func Compute(txns []cointally.Txn, method Method, opts Options) (*Result, error) {
	if !method.valid() {
		return nil, &cointally.Error{Op: "costbasis", Kind: cointally.KindInvalid,
			Message: fmt.Sprintf("unknown cost-basis method %d", uint8(method))}
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	order, disposals, err := ordering(txns)
	if err != nil {
		return nil, err
	}
	e := &engine{txns: txns, order: order, loc: loc, method: method, disposals: disposals,
		res: &Result{Method: method, Location: loc}}
	switch method {
	case FIFO, LIFO, HIFO:
		e.runLots()
	case Average:
		e.runAverage()
	case UK:
		e.runUK()
	}
	slices.SortStableFunc(e.res.Warnings, func(a, b cointally.Warning) int { return a.Time.Compare(b.Time) })
	e.res.Totals.finish(method)
	return e.res, nil
}

func invalid(i int, t *cointally.Txn, format string, args ...any) error {
	return &cointally.Error{Op: "costbasis", Kind: cointally.KindInvalid,
		Message: fmt.Sprintf("txn %d (%s %s, event %q): %s", i, t.Kind, t.Asset, t.EventID, fmt.Sprintf(format, args...))}
}

func validate(i int, t *cointally.Txn) error {
	switch {
	case t.Kind != cointally.Acquire && t.Kind != cointally.Dispose:
		return invalid(i, t, "kind must be acquire or dispose")
	case t.Asset == "":
		return invalid(i, t, "no asset")
	case t.Time.IsZero():
		return invalid(i, t, "no time")
	case !t.Quantity.IsPositive():
		return invalid(i, t, "quantity %s is not positive", t.Quantity)
	case t.Value.IsNegative():
		return invalid(i, t, "value %s is negative", t.Value)
	case t.Fee.IsNegative():
		return invalid(i, t, "fee %s is negative", t.Fee)
	}
	return nil
}

// compareTxn is the processing order: Time, then acquisitions before
// disposals, then Seq, then Asset.
func compareTxn(a, b *cointally.Txn) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Seq, b.Seq); c != 0 {
		return c
	}
	return strings.Compare(a.Asset, b.Asset)
}

// ordering validates txns and returns the processing order as indices into
// txns (nil when txns is already in that order) and the number of disposing
// Txns.
func ordering(txns []cointally.Txn) (order []int32, disposals int, err error) {
	sorted := true
	for i := range txns {
		t := &txns[i]
		if err := validate(i, t); err != nil {
			return nil, 0, err
		}
		if t.Kind == cointally.Dispose {
			disposals++
		}
		if i == 0 || !sorted {
			continue
		}
		switch compareTxn(&txns[i-1], t) {
		case 0:
			return nil, 0, duplicate(i, t)
		case 1:
			sorted = false
		}
	}
	if sorted {
		return nil, disposals, nil
	}
	if len(txns) > 1<<31-1 {
		return nil, 0, &cointally.Error{Op: "costbasis", Kind: cointally.KindInvalid, Message: "too many txns"}
	}
	order = make([]int32, len(txns))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareTxn(&txns[a], &txns[b]) })
	for i := 1; i < len(order); i++ {
		if compareTxn(&txns[order[i-1]], &txns[order[i]]) == 0 {
			return nil, 0, duplicate(int(order[i]), &txns[order[i]])
		}
	}
	return order, disposals, nil
}

func duplicate(i int, t *cointally.Txn) error {
	return invalid(i, t, "another %s of %s has the same time %s and seq %d; give each txn of an asset a distinct Seq so the order is defined",
		t.Kind, t.Asset, t.Time.Format(time.RFC3339Nano), t.Seq)
}

// engine holds the state of one Compute call.
type engine struct {
	txns      []cointally.Txn
	order     []int32
	disposals int // number of disposing Txns
	loc       *time.Location
	method    Method
	res       *Result

	matches  matchArena
	strs     stringArena
	info     []matchInfo // per match of the disposal being matched
	tmp      []cointally.Match
	tmpInfo  []matchInfo
	dayCache dayCache
}

func (e *engine) n() int { return len(e.txns) }

// at returns the i-th Txn in processing order and its index in txns.
func (e *engine) at(i int) (*cointally.Txn, int32) {
	if e.order == nil {
		return &e.txns[i], int32(i)
	}
	j := e.order[i]
	return &e.txns[j], j
}

// day returns the civil day number of t in the engine's location, and the
// day number of its first anniversary.
func (e *engine) day(t time.Time) (day, anniversary int32) {
	c := &e.dayCache
	if u := t.Unix(); c.valid && u >= c.start && u < c.end {
		return c.day, c.anniversary
	}
	lt := t.In(e.loc)
	y, m, d := lt.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, e.loc)
	ad := d
	if m == time.February && d == 29 && !leap(y+1) {
		ad = 28 // the year after 29 February ends on 28 February
	}
	*c = dayCache{valid: true, start: start.Unix(), end: start.AddDate(0, 0, 1).Unix(),
		day: daysFromCivil(y, m, d), anniversary: daysFromCivil(y+1, m, ad)}
	if t.Unix() < c.start || t.Unix() >= c.end { // a day that is not whole seconds long, or a gap: do not cache
		c.valid = false
	}
	return c.day, c.anniversary
}

// dayCache remembers the last calendar day seen, as Unix seconds [start, end).
type dayCache struct {
	valid       bool
	start, end  int64
	day         int32
	anniversary int32
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y int, m time.Month, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// noteAcquire records income and unknown-value warnings for an acquisition.
func (e *engine) noteAcquire(t *cointally.Txn) {
	if t.Source == cointally.TxnIncome {
		in := cointally.Income{Asset: t.Asset, Quantity: t.Quantity, Value: t.Value, Time: t.Time,
			ValueUnknown: t.ValueUnknown, EventID: t.EventID, LedgerIDs: t.LedgerIDs}
		e.res.Income = append(e.res.Income, in)
		e.res.Totals.addIncome(&in)
	}
	if t.ValueUnknown {
		e.warnUnknown(t)
	}
}

func (e *engine) warnUnknown(t *cointally.Txn) {
	what := "an acquisition"
	if t.Kind == cointally.Dispose {
		what = "a disposal"
	}
	e.res.Warnings = append(e.res.Warnings, cointally.Warning{
		Code: cointally.WarnUnknownValue, Asset: t.Asset, Time: t.Time, Quantity: t.Quantity,
		EventID: t.EventID, LedgerIDs: t.LedgerIDs,
		Message: fmt.Sprintf("%s of %s %s has no known value; %s %s was assumed: supply a price to fix the gains that depend on it",
			what, t.Quantity, t.Asset, t.Value, "(report currency)"),
	})
}

func (e *engine) warnShortfall(asset string, at time.Time, short money.Amount, held money.Amount, eventID string, ledgerIDs []string) {
	e.res.Warnings = append(e.res.Warnings, cointally.Warning{
		Code: cointally.WarnShortfall, Asset: asset, Time: at, Quantity: short,
		EventID: eventID, LedgerIDs: ledgerIDs,
		Message: fmt.Sprintf("disposal of %s exceeds the %s held by %s; the excess was matched at zero cost: import the missing acquisitions (or deposits with their cost)",
			asset, held, short),
	})
}

// newDisposal appends a zero Disposal to the result and returns it for the
// caller to fill in, then to pass to e.res.Totals.addDisposal.
func (e *engine) newDisposal() *cointally.Disposal {
	e.res.Disposals = append(e.res.Disposals, cointally.Disposal{})
	return &e.res.Disposals[len(e.res.Disposals)-1]
}

// acquiredOf returns the common acquisition time of ms, or various.
func acquiredOf(ms []cointally.Match) (time.Time, bool) {
	if len(ms) == 0 || ms[0].Acquired.IsZero() {
		return time.Time{}, true
	}
	t := ms[0].Acquired
	for i := 1; i < len(ms); i++ {
		if !ms[i].Acquired.Equal(t) {
			return time.Time{}, true
		}
	}
	return t, false
}

// split returns round(cost × part ÷ qty, SplitPlaces), never more than cost:
// the cost of part of qty units that together cost cost.
func split(cost, part, qty money.Amount) money.Amount {
	if part.Cmp(qty) >= 0 {
		return cost
	}
	c, err := cost.MulDiv(part, qty, SplitPlaces, money.HalfEven)
	if err != nil { // qty > part > 0, so qty is never zero
		panic(err)
	}
	if c.Cmp(cost) > 0 {
		return cost
	}
	return c
}

// share returns round(whole × part ÷ qty, SplitPlaces): the share of proceeds
// or fees that belongs to part of qty units. qty > 0.
func share(whole, part, qty money.Amount) money.Amount {
	if part.Cmp(qty) >= 0 {
		return whole
	}
	c, err := whole.MulDiv(part, qty, SplitPlaces, money.HalfEven)
	if err != nil {
		panic(err)
	}
	return c
}

// matchArena hands out the Matches of many disposals from shared chunks, so
// a disposal costs no allocation of its own. A disposal's matches are either
// put at once, or built in place between begin and end.
type matchArena struct {
	chunk []cointally.Match
	start int // first match of the run begun
}

func (a *matchArena) begin() { a.start = len(a.chunk) }

// add appends a zero Match to the current run and returns it.
func (a *matchArena) add() *cointally.Match {
	if len(a.chunk) == cap(a.chunk) {
		run := a.chunk[a.start:]
		fresh := make([]cointally.Match, 0, max(4096, 2*len(run)))
		a.chunk, a.start = append(fresh, run...), 0
	}
	a.chunk = a.chunk[:len(a.chunk)+1]
	return &a.chunk[len(a.chunk)-1]
}

// end returns the current run.
func (a *matchArena) end() []cointally.Match {
	return a.chunk[a.start:len(a.chunk):len(a.chunk)]
}

func (a *matchArena) put(ms []cointally.Match) []cointally.Match {
	out := a.alloc(len(ms))
	copy(out, ms)
	return out
}

// alloc returns n zero Matches, or nil for n == 0.
func (a *matchArena) alloc(n int) []cointally.Match {
	if n == 0 {
		return nil
	}
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]cointally.Match, 0, max(4096, n))
	}
	start := len(a.chunk)
	a.chunk = a.chunk[:start+n]
	return a.chunk[start : start+n : start+n]
}

// stringArena does the same for short string slices.
type stringArena struct{ chunk []string }

func (a *stringArena) put(ss ...string) []string {
	if cap(a.chunk)-len(a.chunk) < len(ss) {
		a.chunk = make([]string, 0, max(4096, len(ss)))
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, ss...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}

// Display rounds a for people: 2 decimal places, half even. The stored value
// is unchanged; use it for output only, never for further arithmetic.
func Display(a money.Amount) string { return a.StringFixed(2) }
