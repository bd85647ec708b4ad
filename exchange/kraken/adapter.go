package kraken

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
)

// This file adapts the client to cointally.Exchange: Kraken's wire types
// become cointally's types, Kraken's errors become *cointally.Error with a
// Kind and a sentence for the user, and the ledgers export report becomes
// a stream of entries.

// ExchangeConfig configures an Exchange.
type ExchangeConfig struct {
	// Permissions are the key's permission tokens as GetApiKeyInfo reports
	// them ("query-ledger", "export-data", ...; cointally.Account.Permissions
	// holds those of the last audit). Nil means unknown: LoadPermissions can
	// ask Kraken, and until then every capability but the export is assumed.
	Permissions []string
	// TempDir is where a downloaded export waits while it is read, so that
	// a large report does not stay in memory for the whole import (default
	// os.TempDir()). The file is removed when the import ends; where the
	// system allows, it is unlinked at once, so even a killed process
	// leaves nothing behind. If the file cannot be written, the report is
	// read from memory.
	TempDir string
}

// Exchange is one Kraken account seen through its API key, as a
// cointally.Exchange. It is safe for concurrent use. Create it with
// NewExchange.
type Exchange struct {
	c *Client

	tempDir string

	mu       sync.Mutex
	perms    []string
	known    bool
	altnames map[string]string // asset ID -> altname, from the Assets endpoint
}

var _ cointally.Exchange = (*Exchange)(nil)

// NewExchange returns the Exchange of the account whose key c holds.
func NewExchange(c *Client, cfg ExchangeConfig) *Exchange {
	x := &Exchange{c: c, tempDir: cfg.TempDir}
	if cfg.Permissions != nil {
		x.perms, x.known = slices.Clone(cfg.Permissions), true
	}
	return x
}

// Client returns the client the Exchange uses.
func (x *Exchange) Client() *Client { return x.c }

// Name implements cointally.Exchange.
func (x *Exchange) Name() string { return "kraken" }

// LoadPermissions asks Kraken for the key's permissions (GetApiKeyInfo,
// which needs none). Where Kraken does not offer GetApiKeyInfo the
// permissions stay as they were and the error is nil. Other failures are
// mapped as every call's are (see cointally.Exchange).
func (x *Exchange) LoadPermissions(ctx context.Context) error {
	info, err := x.c.APIKeyInfo(ctx)
	if errors.Is(err, ErrUnknownMethod) {
		return nil
	}
	if err != nil {
		return mapError("key info", err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.perms, x.known = slices.Clone(info.Permissions), true
	if x.perms == nil {
		x.perms = []string{}
	}
	return nil
}

// LoadAssets reads the Assets endpoint (a public call, outside the rate
// counter) so that NormalizeAsset also knows assets its tables do not.
func (x *Exchange) LoadAssets(ctx context.Context) error {
	assets, err := x.c.Assets(ctx, nil)
	if err != nil {
		return mapError("assets", err)
	}
	alt := make(map[string]string, len(assets))
	for id, a := range assets {
		alt[id] = a.Altname
	}
	x.mu.Lock()
	x.altnames = alt
	x.mu.Unlock()
	return nil
}

// Permissions implements cointally.Exchange.
func (x *Exchange) Permissions() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.known {
		return nil
	}
	return slices.Clone(x.perms)
}

// capabilityTokens maps each capability to the permission tokens that allow
// it (any of them), per Kraken's per-endpoint notes (REFERENCE §3.2).
var capabilityTokens = map[cointally.Capability][]string{
	cointally.CapLedger:      {TokenQueryLedger},
	cointally.CapTrades:      {TokenQueryClosedTrades},
	cointally.CapOpenOrders:  {TokenQueryOpenTrades},
	cointally.CapBalances:    {TokenQueryFunds},
	cointally.CapDeposits:    {TokenQueryFunds},
	cointally.CapWithdrawals: {TokenQueryLedger, TokenWithdrawFunds},
	cointally.CapExport:      {TokenExportData},
}

// Can implements cointally.Exchange.
func (x *Exchange) Can(c cointally.Capability) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.known {
		return c != cointally.CapExport
	}
	for _, t := range capabilityTokens[c] {
		if slices.Contains(x.perms, t) {
			return true
		}
	}
	return false
}

// LedgerPage implements cointally.Exchange with Ledgers.
func (x *Exchange) LedgerPage(ctx context.Context, q cointally.PageQuery) (cointally.EntryPage, error) {
	p, err := x.c.Ledgers(ctx, &LedgersOptions{Start: BoundID(q.Start), End: BoundID(q.End),
		Offset: q.Offset, WithoutCount: q.WithoutCount})
	if err != nil {
		return cointally.EntryPage{}, mapError("ledger", err)
	}
	out := cointally.EntryPage{Entries: make([]cointally.Entry, len(p.Entries)), Count: p.Count, HasCount: p.HasCount}
	for i := range p.Entries {
		out.Entries[i] = EntryOf(&p.Entries[i])
	}
	return out, nil
}

// EntryOf maps a ledger entry to a cointally.Entry with Source SourceAPI,
// the raw JSON object as received, and Unknown set for type/subtype pairs
// KnownLedgerType does not know.
func EntryOf(e *LedgerEntry) cointally.Entry {
	return cointally.Entry{
		ID: e.ID, RefID: e.RefID, Time: e.Time.Time(), Type: e.Type, Subtype: e.Subtype, Aclass: e.AClass,
		Asset: e.Asset, Wallet: e.Wallet, Amount: e.Amount, Fee: e.Fee, Balance: e.Balance, HasBalance: true,
		Source: cointally.SourceAPI, Raw: []byte(e.Raw), Unknown: !KnownLedgerType(e.Type, e.Subtype),
	}
}

// TradePage implements cointally.Exchange with TradesHistory (ledgers=true).
func (x *Exchange) TradePage(ctx context.Context, q cointally.PageQuery) (cointally.TradePage, error) {
	p, err := x.c.TradesHistory(ctx, &TradesHistoryOptions{Start: BoundID(q.Start), End: BoundID(q.End),
		Offset: q.Offset, WithoutCount: q.WithoutCount, Ledgers: true})
	if err != nil {
		return cointally.TradePage{}, mapError("trades", err)
	}
	out := cointally.TradePage{Trades: make([]cointally.Trade, len(p.Trades)), Count: p.Count, HasCount: p.HasCount}
	for i := range p.Trades {
		out.Trades[i] = TradeOf(&p.Trades[i])
	}
	return out, nil
}

// TradeOf maps a trade to a cointally.Trade, keeping its raw JSON.
func TradeOf(t *Trade) cointally.Trade {
	return cointally.Trade{
		ID: t.ID, OrderID: t.OrderTxID, Pair: t.Pair, Time: t.Time.Time(), Side: t.Type, OrderType: t.OrderType,
		Price: t.Price, Volume: t.Volume, Cost: t.Cost, Fee: t.Fee, LedgerIDs: slices.Clone(t.Ledgers), Raw: []byte(t.Raw),
	}
}

// ClosedOrderPage implements cointally.Exchange with ClosedOrders,
// closetime=close, so that the window, the order and the offsets all follow
// close times.
func (x *Exchange) ClosedOrderPage(ctx context.Context, q cointally.PageQuery) (cointally.OrderPage, error) {
	p, err := x.c.ClosedOrders(ctx, &ClosedOrdersOptions{Start: BoundID(q.Start), End: BoundID(q.End),
		Offset: q.Offset, WithoutCount: q.WithoutCount, CloseTime: "close"})
	if err != nil {
		return cointally.OrderPage{}, mapError("closed orders", err)
	}
	out := cointally.OrderPage{Orders: make([]cointally.Order, len(p.Orders)), Count: p.Count, HasCount: p.HasCount}
	for i := range p.Orders {
		out.Orders[i] = OrderOf(&p.Orders[i])
	}
	return out, nil
}

// OrderOf maps an order to a cointally.Order, keeping its raw JSON. Closed
// is zero while the order is open.
func OrderOf(o *Order) cointally.Order {
	out := cointally.Order{
		ID: o.ID, Status: o.Status, Pair: o.Descr.Pair, Side: o.Descr.Type, OrderType: o.Descr.OrderType,
		Opened: o.OpenTime.Time(), Volume: o.Volume, VolExec: o.VolumeExec, Cost: o.Cost, Fee: o.Fee, Raw: []byte(o.Raw),
	}
	if !o.CloseTime.IsZero() {
		out.Closed = o.CloseTime.Time()
	}
	return out
}

// OpenOrders implements cointally.Exchange.
func (x *Exchange) OpenOrders(ctx context.Context) ([]cointally.Order, error) {
	list, err := x.c.OpenOrders(ctx, nil)
	if err != nil {
		return nil, mapError("open orders", err)
	}
	out := make([]cointally.Order, len(list))
	for i := range list {
		out[i] = OrderOf(&list[i])
	}
	return out, nil
}

// Balances implements cointally.Exchange with Balance.
func (x *Exchange) Balances(ctx context.Context) ([]cointally.BalanceSnapshot, error) {
	m, err := x.c.Balance(ctx)
	if err != nil {
		return nil, mapError("balances", err)
	}
	at := x.c.now().UTC()
	out := make([]cointally.BalanceSnapshot, 0, len(m))
	for _, asset := range sortedKeys(m) {
		out = append(out, cointally.BalanceSnapshot{Time: at, Asset: asset, Amount: m[asset]})
	}
	return out, nil
}

// maxFundingPages bounds the cursor pages read per Funding call.
const maxFundingPages = 200

// Funding implements cointally.Exchange with DepositStatus or
// WithdrawStatus, following their cursors. Raw holds the item re-encoded
// as JSON (these endpoints are decoded by encoding/json, which keeps no
// bytes).
func (x *Exchange) Funding(ctx context.Context, q cointally.FundingQuery) ([]cointally.Funding, error) {
	var call func(context.Context, *FundingStatusOptions) (*FundingStatus, error)
	switch q.Kind {
	case "deposit":
		call = x.c.DepositStatus
	case "withdrawal":
		call = x.c.WithdrawStatus
	default:
		return nil, &cointally.Error{Op: "kraken funding", Kind: cointally.KindInvalid,
			Message: fmt.Sprintf("unknown funding kind %q: want deposit or withdrawal", q.Kind)}
	}
	opts := FundingStatusOptions{Cursor: "true"}
	if !q.Since.IsZero() {
		opts.Start = BoundID(fmt.Sprint(q.Since.Unix() - 1)) // start is exclusive
	}
	var out []cointally.Funding
	for range maxFundingPages {
		page, err := call(ctx, &opts)
		if err != nil {
			return nil, mapError(q.Kind+" status", err)
		}
		for _, t := range page.Transactions {
			raw, _ := json.Marshal(t)
			out = append(out, cointally.Funding{
				RefID: t.RefID, Kind: q.Kind, Asset: t.Asset, Method: t.Method, Network: t.Network,
				Amount: t.Amount, Fee: t.Fee, Time: t.Time.Time(), Status: t.Status, TxID: t.TxID, Info: t.Info, Raw: raw,
			})
		}
		if page.NextCursor == "" || len(page.Transactions) == 0 {
			break
		}
		opts.Cursor = page.NextCursor
	}
	if out == nil {
		out = []cointally.Funding{}
	}
	return out, nil
}

// RequestLedgerExport implements cointally.Exchange with ExportStatus (to
// find a report described by tag) and AddExport (report=ledgers, CSV, all
// fields, starttm/endtm from from and to; a zero from means the whole
// history).
func (x *Exchange) RequestLedgerExport(ctx context.Context, from, to time.Time, tag string) (string, error) {
	if tag == "" {
		return "", &cointally.Error{Op: "kraken export", Kind: cointally.KindInvalid, Message: "an export request needs a tag"}
	}
	list, err := x.c.ExportStatus(ctx, "ledgers")
	if err != nil {
		return "", mapError("export status", err)
	}
	for _, e := range list {
		if e.Description == tag {
			return e.ID, nil
		}
	}
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	id, err := x.c.AddExport(ctx, ExportRequest{Report: "ledgers", Description: tag, Format: "CSV", Start: from, End: to})
	if err != nil {
		return "", mapError("export request", err)
	}
	return id, nil
}

// findExport returns the ledgers report with the ID.
func (x *Exchange) findExport(ctx context.Context, id string) (*Export, error) {
	list, err := x.c.ExportStatus(ctx, "ledgers")
	if err != nil {
		return nil, mapError("export status", err)
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i], nil
		}
	}
	return nil, exportNotFound(id)
}

func exportNotFound(id string) error {
	return &cointally.Error{Op: "kraken export", Kind: cointally.KindNotFound,
		Message: fmt.Sprintf("Kraken has no ledgers export %q (it was removed or has expired)", id)}
}

// ExportReady implements cointally.Exchange with ExportStatus.
func (x *Exchange) ExportReady(ctx context.Context, id string) (bool, error) {
	e, err := x.findExport(ctx, id)
	if err != nil {
		return false, err
	}
	return e.Status == "Processed", nil
}

// RetrieveLedgerExport implements cointally.Exchange: RetrieveExport
// returns a ZIP whose one CSV (or TSV) file is read with the ledgers CSV
// reader, asset codes mapped to API IDs. The ZIP waits in a temporary file
// (see ExchangeConfig.TempDir) while it is read.
func (x *Exchange) RetrieveLedgerExport(ctx context.Context, id string, batch int, fn func([]cointally.Entry) error) error {
	r, size, done, err := x.downloadExport(ctx, id)
	if err != nil {
		return err
	}
	defer done()
	return readLedgerExport(ctx, r, size, cointally.SourceExport, batch, fn)
}

// downloadExport retrieves the report into a temporary file (or, failing
// that, memory) and returns it with its size and a function that releases
// it. Once it returns, the downloaded bytes are garbage.
func (x *Exchange) downloadExport(ctx context.Context, id string) (io.ReaderAt, int64, func(), error) {
	b, err := x.c.RetrieveExport(ctx, id)
	if err != nil {
		if errors.Is(err, ErrInvalidArguments) {
			return nil, 0, nil, exportNotFound(id)
		}
		return nil, 0, nil, mapError("export retrieve", err)
	}
	f, err := spill(x.tempDir, b)
	if err != nil {
		x.c.logger.Warn("kraken: keeping the export in memory", "error", err)
		return bytes.NewReader(b), int64(len(b)), func() {}, nil
	}
	return f.f, int64(len(b)), f.close, nil
}

// spilled is a temporary file holding a downloaded export.
type spilled struct {
	f       *os.File
	removed bool
}

// spill writes b to a new temporary file in dir and unlinks it where the
// system allows an open file to be removed.
func spill(dir string, b []byte) (*spilled, error) {
	f, err := os.CreateTemp(dir, "cointally-export-*.zip")
	if err != nil {
		return nil, err
	}
	s := &spilled{f: f}
	if _, err := f.Write(b); err != nil {
		s.close()
		return nil, err
	}
	s.removed = os.Remove(f.Name()) == nil
	return s, nil
}

func (s *spilled) close() {
	s.f.Close()
	if !s.removed {
		os.Remove(s.f.Name())
	}
}

// ReadLedgerExport reads the ledgers report in zipData (as RetrieveExport
// returns it) and calls fn with its entries in batches of at most batch
// (default 5000), with the given Source. It stops at fn's first error and
// returns it unchanged; a file that cannot be read gives a KindOther
// *cointally.Error wrapping the *CSVError (line and column).
func ReadLedgerExport(ctx context.Context, zipData []byte, source string, batch int, fn func([]cointally.Entry) error) error {
	return readLedgerExport(ctx, bytes.NewReader(zipData), int64(len(zipData)), source, batch, fn)
}

func readLedgerExport(ctx context.Context, r io.ReaderAt, size int64, source string, batch int, fn func([]cointally.Entry) error) error {
	const op = "kraken export"
	if batch <= 0 {
		batch = 5000
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return &cointally.Error{Op: op, Kind: cointally.KindOther, Message: "the export is not a ZIP file", Err: err}
	}
	var f *zip.File
	for _, zf := range zr.File {
		ext := strings.ToLower(path.Ext(zf.Name))
		if ext == ".csv" || ext == ".tsv" {
			f = zf
			break
		}
	}
	if f == nil {
		return &cointally.Error{Op: op, Kind: cointally.KindOther, Message: "the export ZIP holds no CSV file"}
	}
	rc, err := f.Open()
	if err != nil {
		return &cointally.Error{Op: op, Kind: cointally.KindOther, Message: "cannot open " + f.Name + " in the export", Err: err}
	}
	defer rc.Close()
	opts := LedgerCSVOptions{Source: source}
	if strings.EqualFold(path.Ext(f.Name), ".tsv") {
		opts.Comma = '\t'
	}
	lr, err := NewLedgerCSVReaderOptions(bufio.NewReaderSize(rc, 64<<10), opts)
	if err != nil {
		return &cointally.Error{Op: op, Kind: cointally.KindOther, Message: "cannot read " + f.Name, Err: err}
	}
	buf := make([]cointally.Entry, 0, batch)
	for {
		e, err := lr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &cointally.Error{Op: op, Kind: cointally.KindOther, Message: "cannot read " + f.Name, Err: err}
		}
		buf = append(buf, e)
		if len(buf) == batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(buf); err != nil {
				return err
			}
			buf = make([]cointally.Entry, 0, batch)
		}
	}
	if len(buf) > 0 {
		return fn(buf)
	}
	return nil
}

// RemoveExport implements cointally.Exchange: RemoveExport with type
// delete for a processed report, cancel for a queued or processing one.
func (x *Exchange) RemoveExport(ctx context.Context, id string) error {
	e, err := x.findExport(ctx, id)
	if err != nil {
		return err
	}
	typ := "cancel"
	if e.Status == "Processed" {
		typ = "delete"
	}
	if _, err := x.c.RemoveExport(ctx, id, typ); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Class == ClassInvalidArguments && ae.Extra == "id" {
			return exportNotFound(id)
		}
		return mapError("export remove", err)
	}
	return nil
}

// callMethods maps cointally's call names to Kraken methods.
var callMethods = map[string]string{
	cointally.CallLedgerPage:      "Ledgers",
	cointally.CallTradePage:       "TradesHistory",
	cointally.CallClosedOrderPage: "ClosedOrders",
	cointally.CallOpenOrders:      "OpenOrders",
	cointally.CallBalances:        "Balance",
	cointally.CallFunding:         "DepositStatus",
	cointally.CallExport:          "ExportStatus",
}

// EstimateCalls implements cointally.Exchange from the client's rate-limit
// model. Kraken method names ("Ledgers") are accepted too.
func (x *Exchange) EstimateCalls(call string, n int) time.Duration {
	if m, ok := callMethods[call]; ok {
		call = m
	}
	return x.c.EstimateWait(call, n)
}

// Stats implements cointally.Exchange.
func (x *Exchange) Stats() cointally.ExchangeStats {
	s := x.c.Stats()
	return cointally.ExchangeStats{Calls: s.Calls, Retries: s.Retries, RateLimited: s.RateLimited, Waited: s.Waited}
}

// NormalizeAsset implements cointally.Exchange: the package's tables (see
// the function NormalizeAsset), then the altnames LoadAssets read.
func (x *Exchange) NormalizeAsset(code string) (base, suffix string) {
	x.mu.Lock()
	alt := x.altnames
	x.mu.Unlock()
	return normalizeAsset(code, alt)
}

// mapError turns a client error into a *cointally.Error with the Kind the
// cointally.Exchange contract gives it and UserMessage as its Message. A
// context error is returned wrapped, still matching ctx.Err().
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("kraken %s: %w", op, err)
	}
	e := &cointally.Error{Op: "kraken " + op, Kind: cointally.KindOther, Message: UserMessage(err), Err: err}
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &ae):
		switch ae.Class {
		case ClassInvalidKey, ClassInvalidSignature, ClassAccountRestricted:
			e.Kind = cointally.KindUnauthorized
		case ClassPermissionDenied:
			e.Kind = cointally.KindUnauthorized
			e.Err = fmt.Errorf("%w: %w", cointally.ErrPermissionDenied, err)
		case ClassRateLimit, ClassThrottled, ClassTransient, ClassNonce, ClassLockout:
			e.Kind = cointally.KindUnavailable
		case ClassInvalidArguments, ClassUnknownMethod:
			e.Kind = cointally.KindInvalid
		}
	case errors.As(err, &te):
		if te.Temporary() {
			e.Kind = cointally.KindUnavailable
		}
	case errors.Is(err, ErrNoCredentials):
		e.Kind = cointally.KindUnauthorized
	}
	return e
}
