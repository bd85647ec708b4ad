package kraken

import (
	"github.com/cointally/cointally/money"

	"context"
	"errors"
	"fmt"
	"time"
)

// Need says what cointally does with a permission.
type Need string

const (
	// NeedRequired: the import does not work without it.
	NeedRequired Need = "required"
	// NeedOptional: useful and harmless (export reports for a fast first import).
	NeedOptional Need = "optional"
	// NeedUnneeded: not used; harmless but better left unticked.
	NeedUnneeded Need = "not needed"
	// NeedNever: gives the key power over funds or orders; a tracker must not
	// hold it.
	NeedNever Need = "never"
)

// PermissionSpec describes one Kraken API key permission: its token as
// GetApiKeyInfo reports it, where it sits on Kraken's key settings page,
// and what it means for cointally.
type PermissionSpec struct {
	Token   string
	Setting string // the checkbox on Kraken's API key page, e.g. "Data → Query ledger entries"
	Need    Need
	Purpose string // why cointally wants it, or what it would allow
}

// PermissionSpecs lists every permission of a Kraken API key (REFERENCE
// §3.1), required ones first.
var PermissionSpecs = []PermissionSpec{
	{TokenQueryFunds, "Funds permissions → Query", NeedRequired, "balances, to prove the import matches what Kraken holds"},
	{TokenQueryLedger, "Data → Query ledger entries", NeedRequired, "the full history: every trade, deposit, withdrawal, reward and fee"},
	{TokenQueryOpenTrades, "Orders and trades → Query open orders & trades", NeedRequired, "open orders"},
	{TokenQueryClosedTrades, "Orders and trades → Query closed orders & trades", NeedRequired, "trade and order details linked to the ledger"},
	{TokenExportData, "Data → Export data", NeedOptional, "lets the first import fetch the whole ledger as one export report: minutes instead of hours for long histories"},
	{TokenCreateWSToken, "WebSocket interface → On", NeedUnneeded, "not used"},
	{TokenAddFunds, "Funds permissions → Deposit", NeedUnneeded, "not used; it can create deposit addresses"},
	{TokenWithdrawFunds, "Funds permissions → Withdraw", NeedNever, "can move your funds off Kraken"},
	{TokenEarnFunds, "Funds permissions → Earn", NeedNever, "can move funds between spot and Earn"},
	{TokenModifyTrades, "Orders and trades → Create & modify orders", NeedNever, "can place orders and trade your funds"},
	{TokenCloseTrades, "Orders and trades → Cancel & close orders", NeedNever, "can cancel your orders and close positions"},
	{TokenAddWithdrawAddress, "Add withdrawal addresses", NeedNever, "can add addresses that funds may be withdrawn to"},
	{TokenUpdateWithdrawAddress, "Update withdrawal addresses", NeedNever, "can change withdrawal addresses"},
}

// Presence says whether the audit found a permission on the key.
type Presence string

const (
	Present     Presence = "yes"
	Absent      Presence = "no"
	NotVerified Presence = "not verified"
)

// PermissionCheck is one row of the audit table.
type PermissionCheck struct {
	PermissionSpec
	Present Presence
	// Verdict is the row's conclusion in plain words ("ok", "missing: tick
	// ...", "dangerous: ...").
	Verdict string
	OK      bool // false when the row is a problem or a risk
}

// AuditMethod says how the permissions were found.
const (
	AuditByKeyInfo = "GetApiKeyInfo"
	AuditByProbes  = "read-only probes"
)

// Audit is the result of checking a key: each permission, whether it is
// present, needed and risky, and the overall verdict.
type Audit struct {
	Method  string
	Checks  []PermissionCheck
	KeyInfo *APIKeyInfo // nil when GetApiKeyInfo is unavailable
	// Problems are reasons the key is refused; each says what to do.
	Problems []string
	// Warnings are stored with the account and shown again later.
	Warnings []string
	// Notes are facts worth knowing (IP allow-list, nonce window).
	Notes []string
	// Risky is set when a NeedNever permission is present.
	Risky bool
	// Refused is set when the key must not be stored: a Problem, or a risky
	// permission without AllowRisky.
	Refused bool
}

// Permissions returns the tokens found present, in PermissionSpecs order.
func (a *Audit) Permissions() []string {
	var out []string
	for _, c := range a.Checks {
		if c.Present == Present {
			out = append(out, c.Token)
		}
	}
	return out
}

// Has reports whether the audit found token present.
func (a *Audit) Has(token string) bool {
	for _, c := range a.Checks {
		if c.Token == token {
			return c.Present == Present
		}
	}
	return false
}

// AuditOptions tune AuditKey.
type AuditOptions struct {
	// AllowRisky stores a key with dangerous permissions (with a standing
	// warning) instead of refusing it.
	AllowRisky bool
	// ProbeTrading sends a validate-only AddOrder to learn whether the key
	// can trade when GetApiKeyInfo is unavailable. Off by default: a
	// read-only tracker never sends an order unless asked.
	ProbeTrading bool
	// Now is the clock for expiry checks (time.Now when nil).
	Now func() time.Time
}

// AuditKey tests the connection and audits the key's permissions. It uses
// GetApiKeyInfo where Kraken answers it, and otherwise read-only probes:
// Balance (Query Funds), Ledgers (Query Ledger Entries), OpenOrders and
// TradesHistory (Query Open/Closed Orders & Trades), WithdrawMethods
// (succeeds only with Withdraw), DepositMethods (Deposit) and ExportStatus
// (Export data). Trading permissions are "not verified" by probes unless
// opts.ProbeTrading is set.
//
// An error means the audit could not run: the key or private key is wrong,
// the key is locked out or Kraken is unavailable; kraken.UserMessage(err)
// says which in plain words.
func AuditKey(ctx context.Context, c *Client, opts AuditOptions) (*Audit, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a := &Audit{}
	found := map[string]Presence{}
	info, err := c.APIKeyInfo(ctx)
	switch {
	case err == nil:
		a.Method = AuditByKeyInfo
		a.KeyInfo = info
		for _, p := range PermissionSpecs {
			found[p.Token] = Absent
			if info.HasPermission(p.Token) {
				found[p.Token] = Present
			}
		}
	case errors.Is(err, ErrUnknownMethod):
		a.Method = AuditByProbes
		if err := probe(ctx, c, opts, found); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("testing the key: %w", err)
	}
	a.judge(found, opts, now())
	return a, nil
}

// probe fills found from read-only calls. A permission-denied answer means
// absent; any other error stops the audit.
func probe(ctx context.Context, c *Client, opts AuditOptions, found map[string]Presence) error {
	for _, p := range PermissionSpecs {
		found[p.Token] = NotVerified
	}
	try := func(token string, call func() error) error {
		err := call()
		switch {
		case err == nil:
			found[token] = Present
		case errors.Is(err, ErrPermissionDenied):
			found[token] = Absent
		default:
			return fmt.Errorf("probing %s: %w", token, err)
		}
		return nil
	}
	steps := []struct {
		token string
		call  func() error
	}{
		{TokenQueryFunds, func() error { _, err := c.Balance(ctx); return err }},
		{TokenQueryLedger, func() error { _, err := c.Ledgers(ctx, &LedgersOptions{}); return err }},
		{TokenQueryOpenTrades, func() error { _, err := c.OpenOrders(ctx, nil); return err }},
		{TokenQueryClosedTrades, func() error { _, err := c.TradesHistory(ctx, &TradesHistoryOptions{WithoutCount: true}); return err }},
		{TokenExportData, func() error { _, err := c.ExportStatus(ctx, "ledgers"); return err }},
	}
	for _, s := range steps {
		if err := try(s.token, s.call); err != nil {
			return err
		}
	}
	// Withdraw and Deposit methods need Query Funds as well; without it a
	// refusal says nothing about them.
	if found[TokenQueryFunds] == Present {
		if err := try(TokenWithdrawFunds, func() error {
			_, err := c.WithdrawMethods(ctx, &WithdrawOptions{Asset: "XBT"})
			return err
		}); err != nil {
			return err
		}
		if err := try(TokenAddFunds, func() error { _, err := c.DepositMethods(ctx, "XBT"); return err }); err != nil {
			return err
		}
	}
	if opts.ProbeTrading {
		err := func() error {
			_, err := c.AddOrder(ctx, OrderRequest{Pair: "XBTUSD", Type: "buy", OrderType: "limit",
				Volume: minProbeVolume, Price: "1", Validate: true})
			return err
		}()
		switch {
		case err == nil:
			found[TokenModifyTrades] = Present
		case errors.Is(err, ErrPermissionDenied):
			found[TokenModifyTrades] = Absent
		default:
			// Order errors (insufficient funds, minimum not met) come after
			// the permission check: the key can trade.
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Category == "Order" {
				found[TokenModifyTrades] = Present
			} else {
				return fmt.Errorf("probing %s: %w", TokenModifyTrades, err)
			}
		}
	}
	return nil
}

func (a *Audit) judge(found map[string]Presence, opts AuditOptions, now time.Time) {
	for _, p := range PermissionSpecs {
		c := PermissionCheck{PermissionSpec: p, Present: found[p.Token], OK: true}
		switch {
		case p.Need == NeedRequired && c.Present == Absent:
			c.OK = false
			c.Verdict = fmt.Sprintf("missing: tick %q", p.Setting)
			a.Problems = append(a.Problems, fmt.Sprintf("The key lacks %q, which cointally needs for %s. On Kraken, edit the key (Settings → API) and tick %q, then try again.", p.Setting, p.Purpose, p.Setting))
		case p.Need == NeedRequired:
			c.Verdict = "ok"
		case p.Need == NeedOptional && c.Present == Present:
			c.Verdict = "ok: " + p.Purpose
		case p.Need == NeedOptional:
			c.Verdict = "optional: " + p.Purpose
		case p.Need == NeedNever && c.Present == Present:
			c.OK = false
			a.Risky = true
			c.Verdict = "dangerous: " + p.Purpose
			if opts.AllowRisky {
				a.Warnings = append(a.Warnings, fmt.Sprintf("The key has %q: it %s. It was stored because --allow-risky-permissions was given; create a read-only key instead.", p.Setting, p.Purpose))
			} else {
				a.Problems = append(a.Problems, fmt.Sprintf("The key has %q: it %s. cointally only needs to read. Untick it on Kraken (or create a new read-only key), or pass --allow-risky-permissions to store it anyway.", p.Setting, p.Purpose))
			}
		case p.Need == NeedNever && c.Present == NotVerified:
			c.Verdict = "not verified: make sure it is unticked"
		case p.Need == NeedNever:
			c.Verdict = "ok: not granted"
		case c.Present == Present:
			c.Verdict = "not needed: better unticked"
		default:
			c.Verdict = "ok: not needed"
		}
		a.Checks = append(a.Checks, c)
	}
	if a.Method == AuditByProbes {
		a.Notes = append(a.Notes, "Kraken did not answer GetApiKeyInfo, so permissions were found with read-only calls; trading, Earn and withdrawal-address permissions could not be verified.")
	}
	if k := a.KeyInfo; k != nil {
		if !k.QueryFrom.IsZero() || !k.QueryTo.IsZero() {
			a.Warnings = append(a.Warnings, fmt.Sprintf("The key may only read history %s; entries outside that range will be missing and the completeness proof will show the gap. Create a key without a query date range to import everything.", rangeText(k.QueryFrom, k.QueryTo)))
		}
		if !k.ValidUntil.IsZero() {
			until := k.ValidUntil.Time()
			if !until.After(now) {
				a.Problems = append(a.Problems, fmt.Sprintf("The key expired on %s. Create a new read-only key on Kraken.", until.Format("2006-01-02")))
			} else {
				a.Warnings = append(a.Warnings, fmt.Sprintf("The key expires on %s; syncs stop then. Rotate it before (cointally account rotate).", until.Format("2006-01-02")))
			}
		}
		if len(k.IPAllowlist) > 0 {
			a.Notes = append(a.Notes, fmt.Sprintf("The key only works from %d allow-listed IP address(es).", len(k.IPAllowlist)))
		}
		if k.NonceWindow > 0 {
			a.Notes = append(a.Notes, fmt.Sprintf("The key has a nonce window of %d.", k.NonceWindow))
		}
	}
	a.Refused = len(a.Problems) > 0
}

func rangeText(from, to Timestamp) string {
	switch {
	case from.IsZero():
		return "up to " + to.Time().Format("2006-01-02")
	case to.IsZero():
		return "from " + from.Time().Format("2006-01-02")
	}
	return "from " + from.Time().Format("2006-01-02") + " to " + to.Time().Format("2006-01-02")
}

// minProbeVolume is the volume of the validate-only order that
// --probe-trading sends; Kraken checks it and never places it.
var minProbeVolume = money.MustParse("0.0001")
