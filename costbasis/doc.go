// Package costbasis is the cost-basis engine: it turns a list of
// cointally.Txn (acquisitions and disposals valued in one report currency)
// into disposals with their gains, the lots and holdings that remain, the
// income received, and warnings for whatever needs the user's review.
//
// It is pure: no I/O, no clock, no package state. The same input always gives
// the same Result, to the last digit.
//
// # Methods
//
//   - FIFO, LIFO: the oldest (newest) lot is matched first.
//   - HIFO: the lot with the highest cost per unit is matched first; equal
//     costs per unit (compared exactly) go oldest first.
//   - Average: one pool per asset; a disposal takes pool cost × quantity ÷
//     pool quantity.
//   - UK: share pooling for cryptoassets (HMRC Cryptoassets Manual
//     CRYPTO22200 onwards, TCGA92/S104, S105, S106A). All acquisitions of an
//     asset on one day are one acquisition, and all disposals on one day one
//     disposal. A disposal is matched first with acquisitions on the same day,
//     then with acquisitions in the 30 days after it (earliest first; a day's
//     acquisitions serve that day's own disposals before any earlier one),
//     then with the section 104 pool. Tax years run from 6 April to 5 April.
//     A disposal in the last 30 days of the input can still change when later
//     acquisitions are added.
//
// FIFO, LIFO and HIFO split each disposal into short and long term: a lot
// disposed of on a later calendar date than the first anniversary of its
// acquisition is long term. Average and UK report Term "n/a".
//
// # Order
//
// Txns are processed in the order (Time, Kind, Seq, Asset) where
// acquisitions come before disposals at the same instant, so a fee or a
// receipt stamped with the same time as a sale never causes a shortfall.
// Within one asset that key must be unique; Compute refuses input where it is
// not, since the result would then depend on the order of the input slice.
// Input already in that order is not copied or sorted.
//
// Calendar days (the UK rules, the one-year holding period, tax years) are
// counted in Options.Location.
//
// # Exactness
//
// Every amount is an exact money.Amount. The only rounding happens when a lot
// or a pool is split: the part takes round(cost × part ÷ quantity, 18 dp,
// half even) and the remainder stays behind, so the parts always add up to
// the whole, and the cost of everything acquired equals the cost of all
// disposals plus the cost that remains, exactly. Display rounds a value for
// people without changing what is stored.
//
// # Shortfalls
//
// A disposal larger than the holding is never refused and never silently
// trimmed: the excess is matched at zero cost (a RuleShortfall match), the
// disposal records it, and a Warning names the ledger entries.
package costbasis
