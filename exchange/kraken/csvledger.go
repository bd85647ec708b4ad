package kraken

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
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

// CSVError reports a row or field that cannot be read, by its line (1 is
// the header) and column name.
type CSVError struct {
	Line   int
	Column string // header name; "" when the row as a whole is wrong
	Value  string // the field's text, when there is one
	Err    error
}

func (e *CSVError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ledgers CSV: line %d", e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ", value %q", e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *CSVError) Unwrap() error { return e.Err }

// ledgerColumns are the column positions of one file; -1 when absent.
type ledgerColumns struct {
	txid, refid, time, typ, subtype, aclass, subclass, asset, wallet, amount, fee, balance int
}

// requiredLedgerColumns must be in every generation's header.
var requiredLedgerColumns = []string{"txid", "refid", "time", "type", "asset", "amount", "fee", "balance"}

// LedgerCSVReader reads ledger entries from a Kraken ledgers CSV, one per
// Read, streaming: memory does not grow with the file.
//
// Each entry has exact amounts, a UTC time (the CSV's "YYYY-MM-DD
// HH:MM:SS" with an optional fraction), HasBalance set, Unknown set for
// type/subtype pairs cointally does not know, and Raw holding the row as a
// JSON object of header name to text. Numbers may be quoted or not. A
// deposit's pending row (empty txid and balance, written before the
// credited row) is skipped, so the deposit counts once; Skipped says how
// many were.
type LedgerCSVReader struct {
	cr      *csv.Reader
	opts    LedgerCSVOptions
	gen     LedgerCSVGeneration
	header  []string
	col     ledgerColumns
	line    int
	skipped int
	rows    int
	raw     []byte
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
	cr := csv.NewReader(r)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.ReuseRecord = true
	lr := &LedgerCSVReader{cr: cr, opts: opts}
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &CSVError{Line: 1, Err: errors.New("the file is empty; want a header line such as " +
				`"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"`)}
		}
		return nil, csvReadError(err, nil)
	}
	lr.header = make([]string, len(head))
	pos := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		lr.header[i] = h
		if _, dup := pos[h]; dup && h != "" {
			return nil, &CSVError{Line: 1, Column: h, Err: errors.New("the header names this column twice")}
		}
		pos[h] = i
	}
	var missing []string
	for _, name := range requiredLedgerColumns {
		if _, ok := pos[name]; !ok {
			missing = append(missing, strconv.Quote(name))
		}
	}
	if len(missing) > 0 {
		return nil, &CSVError{Line: 1, Err: fmt.Errorf("this is not a Kraken ledgers export: the header lacks %s (it has %s)",
			strings.Join(missing, ", "), strings.Join(lr.header, ","))}
	}
	at := func(name string) int {
		if i, ok := pos[name]; ok {
			return i
		}
		return -1
	}
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
	cr.FieldsPerRecord = len(head)
	lr.line = 1
	return lr, nil
}

// Generation returns the header generation of the file.
func (lr *LedgerCSVReader) Generation() LedgerCSVGeneration { return lr.gen }

// Header returns the file's column names (lower case, trimmed).
func (lr *LedgerCSVReader) Header() []string { return append([]string(nil), lr.header...) }

// Line returns the line number of the row last read (1 after the header).
func (lr *LedgerCSVReader) Line() int { return lr.line }

// Skipped returns how many pending rows (empty txid and balance) were
// skipped so far.
func (lr *LedgerCSVReader) Skipped() int { return lr.skipped }

// Rows returns how many entries Read returned so far.
func (lr *LedgerCSVReader) Rows() int { return lr.rows }

// Read returns the next entry. At the end of the file it returns io.EOF; a
// row that cannot be read gives a *CSVError naming the line and column,
// after which reading may continue with the next row.
func (lr *LedgerCSVReader) Read() (cointally.Entry, error) {
	for {
		rec, err := lr.cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return cointally.Entry{}, io.EOF
			}
			if line, _ := lr.cr.FieldPos(0); line > 0 {
				lr.line = line
			}
			return cointally.Entry{}, csvReadError(err, lr.header)
		}
		lr.line, _ = lr.cr.FieldPos(0)
		c := &lr.col
		txid, balance := rec[c.txid], rec[c.balance]
		if txid == "" {
			if balance == "" {
				lr.skipped++ // a deposit's pending row; the credited row follows
				continue
			}
			return cointally.Entry{}, lr.fieldErr("txid", "", errors.New("a row with a balance must have a ledger ID"))
		}
		e, err := lr.entry(rec)
		if err != nil {
			return cointally.Entry{}, err
		}
		lr.rows++
		return e, nil
	}
}

func (lr *LedgerCSVReader) fieldErr(column, value string, err error) *CSVError {
	return &CSVError{Line: lr.line, Column: column, Value: value, Err: err}
}

func (lr *LedgerCSVReader) entry(rec []string) (cointally.Entry, error) {
	c := &lr.col
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
	if e.RefID == "" {
		return e, lr.fieldErr("refid", "", errors.New("empty"))
	}
	if e.Type == "" {
		return e, lr.fieldErr("type", "", errors.New("empty"))
	}
	if e.Asset == "" {
		return e, lr.fieldErr("asset", "", errors.New("empty"))
	}
	if !lr.opts.KeepAssetCodes {
		e.Asset = APIAssetID(e.Asset)
	}
	t, err := parseCSVTime(rec[c.time])
	if err != nil {
		return e, lr.fieldErr("time", rec[c.time], err)
	}
	e.Time = t
	if e.Amount, err = parseCSVAmount(rec[c.amount]); err != nil {
		return e, lr.fieldErr("amount", rec[c.amount], err)
	}
	if e.Fee, err = parseCSVAmount(rec[c.fee]); err != nil {
		return e, lr.fieldErr("fee", rec[c.fee], err)
	}
	if s := rec[c.balance]; s != "" {
		if e.Balance, err = parseCSVAmount(s); err != nil {
			return e, lr.fieldErr("balance", s, err)
		}
		e.HasBalance = true
	}
	e.Unknown = !KnownLedgerType(e.Type, e.Subtype)
	e.Raw = lr.rawJSON(rec)
	return e, nil
}

// rawJSON returns the row as a JSON object of header name to text.
func (lr *LedgerCSVReader) rawJSON(rec []string) []byte {
	b := lr.raw[:0]
	b = append(b, '{')
	for i, v := range rec {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, lr.header[i])
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	b = append(b, '}')
	lr.raw = b
	return append([]byte(nil), b...)
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

// csvReadError turns an encoding/csv error into a *CSVError.
func csvReadError(err error, header []string) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &CSVError{Err: err}
	}
	ce := &CSVError{Line: pe.StartLine, Err: pe.Err}
	if pe.Line > 0 {
		ce.Line = pe.Line
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		ce.Err = fmt.Errorf("the row has a different number of fields than the header (%d)", len(header))
	} else if pe.Column > 0 && header != nil {
		// pe.Column is a 1-based byte column; name the field instead when
		// the error is a quoting problem in a known field.
		ce.Err = fmt.Errorf("%w (at character %d of the line)", pe.Err, pe.Column)
	}
	return ce
}

// parseCSVAmount reads a plain decimal, as money.Parse does.
func parseCSVAmount(s string) (money.Amount, error) {
	a, err := money.Parse(strings.TrimSpace(s))
	if err != nil {
		var pe *money.ParseError
		if errors.As(err, &pe) {
			return a, errors.New(pe.Reason)
		}
		return a, err
	}
	return a, nil
}

// parseCSVTime reads Kraken's CSV time, "YYYY-MM-DD HH:MM:SS" with an
// optional fraction of up to nine digits, in UTC.
func parseCSVTime(s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, errors.New("not a time in Kraken's format YYYY-MM-DD HH:MM:SS (UTC); " +
			"if the file was opened and saved in a spreadsheet program, it may have rewritten the dates: export it from Kraken again")
	}
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return bad()
	}
	num := func(i, n int) (int, bool) {
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
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return bad()
	}
	ns := 0
	if rest := s[19:]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return bad()
		}
		for k := 1; k < len(rest); k++ {
			c := rest[k]
			if c < '0' || c > '9' {
				return bad()
			}
			ns = ns*10 + int(c-'0')
		}
		for k := len(rest) - 1; k < 9; k++ {
			ns *= 10
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, errors.New("not a valid date and time")
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d {
		return time.Time{}, errors.New("not a valid date (no such day in that month)")
	}
	return t, nil
}
