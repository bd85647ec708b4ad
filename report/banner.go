package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// Banner tells a report's reader about unclassified ledger groups that
// could change it. It goes at the top of every report they affect.
type Banner struct {
	Currency string
	Groups   []QuarantineLine
	// Value is their approximate value; Unpriced lists assets without a
	// price whose amounts are not in it.
	Value    money.Amount
	Unpriced []string
}

// banner returns the banner for the quarantined groups in [from, to) (zero
// from: since the beginning; zero to: until the end), or nil if none.
func (b *Book) banner(from, to time.Time) *Banner {
	var bn *Banner
	for _, q := range b.Quarantine {
		if !from.IsZero() && q.Time.Before(from) || !to.IsZero() && !q.Time.Before(to) {
			continue
		}
		if bn == nil {
			bn = &Banner{Currency: b.Currency}
		}
		bn.Groups = append(bn.Groups, q)
		bn.Value = bn.Value.Add(q.Value)
		for _, a := range q.Unpriced {
			if !contains(bn.Unpriced, a) {
				bn.Unpriced = append(bn.Unpriced, a)
			}
		}
	}
	return bn
}

// Headline is the banner's first sentence.
func (bn *Banner) Headline() string {
	n := len(bn.Groups)
	what := "unclassified ledger groups"
	if n == 1 {
		what = "unclassified ledger group"
	}
	extra := ""
	if len(bn.Unpriced) > 0 {
		extra = " (plus amounts of " + strings.Join(bn.Unpriced, ", ") + " without a price)"
	}
	verb, pron := "are", "they"
	if n == 1 {
		verb, pron = "is", "it"
	}
	return fmt.Sprintf("%d %s worth about %s %s%s %s not in this report, and %s may change it:",
		n, what, display(bn.Value), bn.Currency, extra, verb, pron)
}

// Lines returns one line per group: refid, date, amounts, reason.
func (bn *Banner) Lines() []string {
	out := make([]string, 0, len(bn.Groups))
	for _, q := range bn.Groups {
		s := fmt.Sprintf("%s %s: %s", q.Time.UTC().Format(time.DateOnly), q.RefID, legsText(q.Legs))
		if len(q.Fees) > 0 {
			s += " (fees " + legsText(q.Fees) + ")"
		}
		s += " [" + strings.Join(q.LedgerIDs, " ") + "]: " + q.Note
		out = append(out, s)
	}
	return out
}

// WriteText writes the banner as text lines with the given prefix.
func (bn *Banner) WriteText(w io.Writer, prefix string) error {
	if bn == nil {
		return nil
	}
	if _, err := fmt.Fprintf(w, "%sWARNING: %s\n", prefix, bn.Headline()); err != nil {
		return err
	}
	for _, l := range bn.Lines() {
		if _, err := fmt.Fprintf(w, "%s  %s\n", prefix, l); err != nil {
			return err
		}
	}
	return nil
}

// bannerJSON is the banner in JSON reports.
type bannerJSON struct {
	Message  string           `json:"message"`
	Count    int              `json:"count"`
	Value    string           `json:"value"`
	Unpriced []string         `json:"unpriced_assets,omitempty"`
	Groups   []quarantineJSON `json:"groups"`
}

type legJSON struct {
	Asset  string `json:"asset"`
	Amount string `json:"amount"`
}

type quarantineJSON struct {
	RefID     string    `json:"refid"`
	Time      string    `json:"time"`
	Legs      []legJSON `json:"legs"`
	Fees      []legJSON `json:"fees,omitempty"`
	Value     string    `json:"value"`
	Note      string    `json:"note"`
	LedgerIDs []string  `json:"ledger_ids"`
}

func (bn *Banner) json() *bannerJSON {
	if bn == nil {
		return nil
	}
	j := &bannerJSON{Message: bn.Headline(), Count: len(bn.Groups), Value: bn.Value.String(), Unpriced: bn.Unpriced}
	for _, q := range bn.Groups {
		j.Groups = append(j.Groups, quarantineJSON{RefID: q.RefID, Time: rfc3339(q.Time), Legs: legsJSON(q.Legs),
			Fees: legsJSON(q.Fees), Value: q.Value.String(), Note: q.Note, LedgerIDs: nonNil(q.LedgerIDs)})
	}
	return j
}

func legsJSON(ls []cointally.Leg) []legJSON {
	out := make([]legJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, legJSON{Asset: l.Asset, Amount: l.Amount.String()})
	}
	return out
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
