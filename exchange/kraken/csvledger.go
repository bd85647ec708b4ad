package kraken

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// This file is the one reader of Kraken's ledgers CSV, for the files users
// download from the website and for the reports that AddExport prepares
// (REFERENCE §15.1). Columns are found by header name, never by position,
// so every header generation is read, and so are files whose columns were
// projected or reordered.

// LedgerCSVGeneration is a generation of the ledgers CSV header.
type LedgerCSVGeneration int

// The ledgers CSV header generations (REFERENCE §15.1). Each adds columns to
// the one before; older generations write legacy asset IDs ("XXBT",
// "ZEUR"), newer ones display codes ("BTC", "EUR").
const (
	// LedgerCSVGenA: txid, refid, time, type, subtype, aclass, asset,
	// amount, fee, balance (up to about 2022).
	LedgerCSVGenA LedgerCSVGeneration = iota + 1
	// LedgerCSVGenB adds wallet.
	LedgerCSVGenB
	// LedgerCSVGenC adds subclass (2024-2025).
	LedgerCSVGenC
	// LedgerCSVGenD adds amountusd, feeusd, balanceusd and feecurrency
	// (2026).
	LedgerCSVGenD
)

func (g LedgerCSVGeneration) String() string {
	switch g {
	case LedgerCSVGenA:
		return "A (no wallet column)"
	case LedgerCSVGenB:
		return "B (with wallet)"
	case LedgerCSVGenC:
		return "C (with wallet and subclass)"
	case LedgerCSVGenD:
		return "D (with wallet, subclass and USD values)"
	}
	return "unknown"
}

// LedgerCSVOptions change how a LedgerCSVReader reads. The zero value reads
// a comma-separated user file.
type LedgerCSVOptions struct {
	// Source is the entries' Source (default cointally.SourceCSV).
	Source string
	// KeepAssetCodes leaves asset codes as the file writes them. By default
	// they are mapped to the API's asset IDs (APIAssetID: "BTC" to "XXBT",
	// "EUR" to "ZEUR", "BTC.M" to "XBT.M"), so that an entry read from a
	// file and the same entry from the API carry the same asset code and
	// merge by ledger ID. Raw always keeps the code as written.
	KeepAssetCodes bool
	// Comma is the field separator (default ','; '\t' for TSV reports).
	Comma rune
}

// CSVError reports a row or field of a Kraken CSV export that cannot be
// read, by its line (1 is the header) and column name.
type CSVError struct {
	// File names the file when the caller knows it (the readers take a
	// stream and leave it empty; the message then names the export).
	File   string
	Line   int
	Column string // header name; "" when the row as a whole is wrong
	Value  string // the field's text, when there is one
	Err    error
	// Fatal is set when the file cannot be read past this point (its
	// bytes could not be read: a damaged archive member, an I/O error);
	// every later Read returns the same error. Otherwise reading may go on
	// with the next row.
	Fatal bool

	export string // "ledgers" or "trades"
}

func (e *CSVError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "":
		b.WriteString(e.File)
	case e.export != "":
		b.WriteString(e.export + " CSV")
	default:
		b.WriteString("Kraken CSV")
	}
	fmt.Fprintf(&b, ": line %d", e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	if e.Value != "" {
		v := e.Value
		if len(v) > 80 {
			n := 80
			for n > 0 && !utf8.RuneStart(v[n]) {
				n--
			}
			v = v[:n] + "…"
		}
		fmt.Fprintf(&b, ", value %q", v)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *CSVError) Unwrap() error { return e.Err }

// ledgerColumns are the column positions of one file; -1 when absent.
type ledgerColumns struct {
	txid, refid, time, typ, subtype, aclass, subclass, asset, wallet, amount, fee, balance int
}

// requiredLedgerColumns must be in every generation's header.
var requiredLedgerColumns = []string{"txid", "refid", "time", "type", "asset", "amount", "fee", "balance"}

const ledgerHeaderExample = `"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"`

// LedgerCSVReader reads ledger entries from a Kraken ledgers CSV, one per
// Read, streaming: memory does not grow with the file.
//
// Each entry has exact amounts, a UTC time (see the accepted forms below),
// HasBalance set when the row has a balance, Unknown set for type/subtype pairs cointally does not
// know, and Raw holding the row as a JSON object of header name to text.
// Numbers may be quoted or not, and are plain decimals: a thousands
// separator, a decimal comma or an exponent is an error that names the
// line and column. A deposit's pending row (empty txid and balance,
// written before the credited row with the same refid) is skipped, so the
// deposit counts once; Skipped says how many were, Uncredited how many of
// them no credited row followed (the deposit was still pending when the
// file was made).
//
// Times: Kraken writes "YYYY-MM-DD HH:MM:SS" in UTC, and its trades
// exports add a fraction. Also accepted, as unambiguous: a fraction of up
// to nine digits, "T" for the space, and a zone suffix "Z", "+HH:MM" or
// "+HHMM" (converted to UTC). Refused, with a message that the file was
// probably re-saved by a spreadsheet program and should be downloaded
// again: every day/month form ("30/06/2024 14:03", "6/30/24 2:03 PM",
// "30.06.2024"), times without seconds, and spreadsheet serial numbers;
// a day/month form may be read either way round, and a missing second
// would make every entry differ from the API's.
type LedgerCSVReader struct {
	rows    *csvRows
	opts    LedgerCSVOptions
	gen     LedgerCSVGeneration
	col     ledgerColumns
	skipped int
	entries int
	// pending holds the refids of pending rows that no credited row has
	// followed yet.
	pending map[string]int
}

// NewLedgerCSVReader reads the header of a ledgers CSV from r and returns a
// reader positioned at the first row. The error is a *CSVError if the
// header lacks a required column (it names them) or cannot be read.
func NewLedgerCSVReader(r io.Reader) (*LedgerCSVReader, error) {
	return NewLedgerCSVReaderOptions(r, LedgerCSVOptions{})
}

// NewLedgerCSVReaderOptions is NewLedgerCSVReader with options.
func NewLedgerCSVReaderOptions(r io.Reader, opts LedgerCSVOptions) (*LedgerCSVReader, error) {
	if opts.Source == "" {
		opts.Source = cointally.SourceCSV
	}
	rows, err := newCSVRows(r, opts.Comma, "ledgers", requiredLedgerColumns, ledgerHeaderExample)
	if err != nil {
		return nil, err
	}
	lr := &LedgerCSVReader{rows: rows, opts: opts}
	at := rows.col
	lr.col = ledgerColumns{
		txid: at("txid"), refid: at("refid"), time: at("time"), typ: at("type"), subtype: at("subtype"),
		aclass: at("aclass"), subclass: at("subclass"), asset: at("asset"), wallet: at("wallet"),
		amount: at("amount"), fee: at("fee"), balance: at("balance"),
	}
	switch {
	case at("amountusd") >= 0 || at("feeusd") >= 0 || at("balanceusd") >= 0 || at("feecurrency") >= 0:
		lr.gen = LedgerCSVGenD
	case lr.col.subclass >= 0:
		lr.gen = LedgerCSVGenC
	case lr.col.wallet >= 0:
		lr.gen = LedgerCSVGenB
	default:
		lr.gen = LedgerCSVGenA
	}
	return lr, nil
}

// Generation returns the header generation of the file.
func (lr *LedgerCSVReader) Generation() LedgerCSVGeneration { return lr.gen }

// Header returns the file's column names (lower case, trimmed).
func (lr *LedgerCSVReader) Header() []string { return append([]string(nil), lr.rows.header...) }

// Line returns the line number of the row last read (1 after the header).
func (lr *LedgerCSVReader) Line() int { return lr.rows.line }

// Skipped returns how many pending rows (empty txid and balance) were
// skipped so far.
func (lr *LedgerCSVReader) Skipped() int { return lr.skipped }

// Uncredited returns how many of the skipped pending rows no credited row
// (same refid) has followed so far: at the end of the file, the deposits
// that were still pending when the export was made. They are not entries
// yet; a later export or sync brings their credited rows.
func (lr *LedgerCSVReader) Uncredited() int {
	n := 0
	for _, k := range lr.pending {
		n += k
	}
	return n
}

// Rows returns how many entries Read returned so far.
func (lr *LedgerCSVReader) Rows() int { return lr.entries }

// Read returns the next entry. At the end of the file it returns io.EOF; a
// row that cannot be read gives a *CSVError naming the line and column,
// after which reading may continue with the next row (unless the error's
// Fatal is set).
func (lr *LedgerCSVReader) Read() (cointally.Entry, error) {
	for {
		rec, err := lr.rows.next()
		if err != nil {
			return cointally.Entry{}, err
		}
		c := &lr.col
		txid, balance := rec[c.txid], rec[c.balance]
		if txid == "" {
			if strings.TrimSpace(balance) == "" {
				// A deposit's pending row; the credited row follows.
				lr.skipped++
				if lr.pending == nil {
					lr.pending = map[string]int{}
				}
				lr.pending[rec[c.refid]]++
				continue
			}
			return cointally.Entry{}, lr.rows.fieldErr("txid", "", errors.New("a row with a balance must have a ledger ID"))
		}
		e, err := lr.entry(rec)
		if err != nil {
			return cointally.Entry{}, err
		}
		if n, ok := lr.pending[e.RefID]; ok {
			if n <= 1 {
				delete(lr.pending, e.RefID)
			} else {
				lr.pending[e.RefID] = n - 1
			}
		}
		lr.entries++
		return e, nil
	}
}

func (lr *LedgerCSVReader) entry(rec []string) (cointally.Entry, error) {
	c := &lr.col
	t := lr.rows
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return rec[i]
	}
	e := cointally.Entry{
		ID:      rec[c.txid],
		RefID:   rec[c.refid],
		Type:    rec[c.typ],
		Subtype: get(c.subtype),
		Aclass:  get(c.aclass),
		Asset:   rec[c.asset],
		Wallet:  get(c.wallet),
		Source:  lr.opts.Source,
	}
	for _, f := range [...]struct{ name, v string }{
		{"txid", e.ID}, {"refid", e.RefID}, {"type", e.Type}, {"subtype", e.Subtype},
		{"aclass", e.Aclass}, {"asset", e.Asset}, {"wallet", e.Wallet},
	} {
		if err := t.text(f.name, f.v); err != nil {
			return e, err
		}
	}
	if e.RefID == "" {
		return e, t.fieldErr("refid", "", errors.New("empty"))
	}
	if e.Type == "" {
		return e, t.fieldErr("type", "", errors.New("empty"))
	}
	if e.Asset == "" {
		return e, t.fieldErr("asset", "", errors.New("empty"))
	}
	if !lr.opts.KeepAssetCodes {
		e.Asset = APIAssetID(e.Asset)
	}
	tm, err := parseCSVTime(rec[c.time])
	if err != nil {
		return e, t.fieldErr("time", rec[c.time], err)
	}
	e.Time = tm
	if e.Amount, err = parseCSVAmount(rec[c.amount]); err != nil {
		return e, t.fieldErr("amount", rec[c.amount], err)
	}
	if e.Fee, err = parseCSVAmount(rec[c.fee]); err != nil {
		return e, t.fieldErr("fee", rec[c.fee], err)
	}
	if s := strings.TrimSpace(rec[c.balance]); s != "" {
		if e.Balance, err = parseCSVAmount(s); err != nil {
			return e, t.fieldErr("balance", rec[c.balance], err)
		}
		e.HasBalance = true
	}
	e.Unknown = !KnownLedgerType(e.Type, e.Subtype)
	e.Raw = t.rawJSON(rec)
	return e, nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
		i++
	}
	return append(b, '"')
}

// parseCSVAmount reads a plain decimal, as money.Parse does, and says
// what is wrong with the forms a spreadsheet program writes.
func parseCSVAmount(s string) (money.Amount, error) {
	s = strings.TrimSpace(s)
	a, err := money.Parse(s)
	if err == nil {
		return a, nil
	}
	switch {
	case thousandsSeparated(s):
		return a, errors.New("the number is written with a thousands separator; Kraken writes plain numbers such as 1234.56: " + resavedHint)
	case strings.Contains(s, ","):
		return a, errors.New("the number is written with a decimal comma; Kraken writes a decimal point: " + resavedHint)
	}
	var pe *money.ParseError
	if errors.As(err, &pe) {
		return a, errors.New(pe.Reason)
	}
	return a, err
}

// thousandsSeparated reports whether s is a number with comma thousands
// separators, such as "1,234.56" or "-12,345,678".
func thousandsSeparated(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dotted := strings.Cut(s, ".")
	if dotted && !isDigits(frac) {
		return false
	}
	groups := strings.Split(whole, ",")
	if len(groups) < 2 || len(groups[0]) == 0 || len(groups[0]) > 3 || !isDigits(groups[0]) {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !isDigits(g) {
			return false
		}
	}
	return true
}

// parseCSVTime reads a time of a Kraken CSV export (see LedgerCSVReader
// for the forms accepted and refused) as UTC.
func parseCSVTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty; want a time such as 2024-06-30 14:03:00")
	}
	bad := func() (time.Time, error) {
		return time.Time{}, errors.New("not a time in Kraken's format YYYY-MM-DD HH:MM:SS (UTC): " + resavedHint)
	}
	num := func(i, n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for k := i; k < i+n; k++ {
			d := s[k]
			if d < '0' || d > '9' {
				return 0, false
			}
			v = v*10 + int(d-'0')
		}
		return v, true
	}
	if len(s) < 16 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' {
		return bad()
	}
	if len(s) == 16 || s[16] != ':' {
		if _, ok := num(14, 2); ok && (len(s) == 16 || s[16] == ' ' || s[16] == 'Z' || s[16] == '+' || s[16] == '-') {
			return time.Time{}, errors.New("the time has no seconds; Kraken writes YYYY-MM-DD HH:MM:SS (UTC): " + resavedHint)
		}
		return bad()
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return bad()
	}
	rest := s[19:]
	ns := 0
	if rest != "" && rest[0] == '.' {
		k := 1
		for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		digits := rest[1:k]
		if len(digits) == 0 || len(digits) > 9 {
			return bad()
		}
		for i := 0; i < 9; i++ {
			ns *= 10
			if i < len(digits) {
				ns += int(digits[i] - '0')
			}
		}
		rest = rest[k:]
	}
	offset := 0
	switch {
	case rest == "":
	case rest == "Z":
	case rest[0] == '+' || rest[0] == '-':
		z := strings.Replace(rest[1:], ":", "", 1)
		if len(z) != 4 || !isDigits(z) {
			return bad()
		}
		oh, om := int(z[0]-'0')*10+int(z[1]-'0'), int(z[2]-'0')*10+int(z[3]-'0')
		if oh > 14 || om > 59 {
			return bad()
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return bad()
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, errors.New("not a valid date and time")
	}
	if y < 1990 || y > 2999 {
		return time.Time{}, fmt.Errorf("the year %d is not one a Kraken export can hold", y)
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d {
		return time.Time{}, errors.New("not a valid date (no such day in that month)")
	}
	return t.Add(-time.Duration(offset) * time.Second), nil
}
