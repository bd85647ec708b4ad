package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cointally/cointally"
)

// ledgerEntryJSON is one element of `cointally ledger --json`.
type ledgerEntryJSON struct {
	Account string `json:"account"`
	ID      string `json:"id"`
	RefID   string `json:"refid"`
	Time    string `json:"time"`
	Type    string `json:"type"`
	Subtype string `json:"subtype"`
	Asset   string `json:"asset"`
	Amount  string `json:"amount"`
	Fee     string `json:"fee"`
	Balance string `json:"balance"` // "" for rows that carry none (pending CSV deposits)
	Source  string `json:"source"`
	Unknown bool   `json:"unknown,omitempty"`
}

// runLedger prints the stored ledger, oldest first, streaming so that a
// million entries need no more memory than one.
func runLedger(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("ledger", e)
	account := fs.String("account", "", "only this account")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	accts, err := a.store.Accounts(ctx, a.user.ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	var only *cointally.Account
	for _, acct := range accts {
		names[acct.ID] = acct.Name
		if acct.Name == *account {
			only = acct
		}
	}
	if *account != "" && only == nil {
		return fmt.Errorf("ledger: no account named %q (see cointally account list)", *account)
	}
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	defer w.Flush()
	var tw *tabwriter.Writer
	first := true
	if *asJSON {
		w.WriteString("[")
	} else {
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tACCOUNT\tID\tREFID\tTYPE\tSUBTYPE\tASSET\tAMOUNT\tFEE\tBALANCE")
	}
	emit := func(en *cointally.Entry) error {
		j := ledgerEntryJSON{Account: names[en.AccountID], ID: en.ID, RefID: en.RefID,
			Time: en.Time.UTC().Format(time.RFC3339Nano), Type: en.Type, Subtype: en.Subtype, Asset: en.Asset,
			Amount: en.Amount.String(), Fee: en.Fee.String(), Source: en.Source, Unknown: en.Unknown}
		if en.HasBalance {
			j.Balance = en.Balance.String()
		}
		if !*asJSON {
			_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Time, j.Account, j.ID, j.RefID, j.Type, j.Subtype, j.Asset, j.Amount, j.Fee, j.Balance)
			return err
		}
		b, err := json.Marshal(j)
		if err != nil {
			return err
		}
		if !first {
			w.WriteString(",")
		}
		first = false
		w.WriteString("\n  ")
		_, err = w.Write(b)
		return err
	}
	if only != nil {
		err = a.store.Entries(ctx, only.ID, emit)
	} else {
		err = a.store.UserEntries(ctx, a.user.ID, emit)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		if !first {
			w.WriteString("\n")
		}
		w.WriteString("]\n")
		return nil
	}
	return tw.Flush()
}
