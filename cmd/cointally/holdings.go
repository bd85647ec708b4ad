package main

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/report"
)

const holdingsUsage = `Usage: cointally holdings [--currency CODE] [--method fifo|lifo|hifo|average|uk] [--json]

What you hold of each asset: quantity, cost basis, market value at the last
complete day's price (Kraken's daily candle of yesterday, UTC), and the
unrealised gain. Crypto withdrawn to wallets cointally does not see is still
counted as yours and shown as held elsewhere.

Flags:
`

func runHoldings(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("holdings", e)
	fs.Usage = func() { fmt.Fprint(e.stderr, holdingsUsage); fs.PrintDefaults() }
	method := fs.String("method", "fifo", "cost-basis method: fifo, lifo, hifo, average or uk")
	asJSON := fs.Bool("json", false, "print JSON")
	rf := addReportFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := costbasis.ParseMethod(*method)
	if err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	tuneGC()
	b, err := a.loadBooks(ctx, rf)
	if err != nil {
		return err
	}
	res, err := compute(b.book, m)
	if err != nil {
		return err
	}
	// The last complete UTC day: its price is final and cached.
	at := e.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	h, err := report.NewHoldings(b.book, res, at, func(asset string, qty money.Amount, t time.Time) (money.Amount, string, error) {
		q, err := b.chain.Price(ctx, asset, b.currency, t)
		if err != nil {
			return money.Amount{}, "", err
		}
		return qty.Mul(q.Price).Round(report.ValuePlaces, money.HalfEven), q.Source, nil
	})
	if ferr := b.market.Flush(context.WithoutCancel(ctx)); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	defer w.Flush()
	if *asJSON {
		return h.WriteJSON(w)
	}
	return h.WriteText(w)
}
