package krakensim

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"time"
)

// Website/AddExport CSV reports, as RetrieveExport delivers them: a ZIP with
// one CSV, rows oldest first, every field double-quoted, times in UTC.

// LedgerCSVGen is a generation of the ledgers CSV header (REFERENCE 15.1).
type LedgerCSVGen int

// The ledgers CSV generations.
const (
	// LedgerCSVGenA: txid,refid,time,type,subtype,aclass,asset,amount,fee,balance
	// with Kraken asset IDs (XXBT, ZEUR).
	LedgerCSVGenA LedgerCSVGen = iota
	// LedgerCSVGenB adds wallet after asset; asset IDs as in A.
	LedgerCSVGenB
	// LedgerCSVGenC adds subclass after aclass; assets as display codes (BTC, EUR).
	LedgerCSVGenC
	// LedgerCSVGenD is C plus amountusd,feeusd,balanceusd,feecurrency: the
	// current default.
	LedgerCSVGenD
)

// TradesCSVGen is a generation of the trades CSV header (REFERENCE 15.2).
type TradesCSVGen int

// The trades CSV generations.
const (
	// TradesCSVClassic: txid,ordertxid,pair,time,type,ordertype,price,cost,
	// fee,vol,margin,misc,ledgers, pairs as pair IDs (XXBTZEUR).
	TradesCSVClassic TradesCSVGen = iota
	// TradesCSVNew adds aclass/subclass and the position columns, pairs
	// written BTC/EUR.
	TradesCSVNew
)

// The generations the export endpoints deliver.
const (
	defaultLedgerCSVGen = LedgerCSVGenD
	defaultTradesCSVGen = TradesCSVClassic
)

var ledgerHeaders = [...]string{
	LedgerCSVGenA: `"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"`,
	LedgerCSVGenB: `"txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance"`,
	LedgerCSVGenC: `"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance"`,
	LedgerCSVGenD: `"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance","amountusd","feeusd","balanceusd","feecurrency"`,
}

var tradesHeaders = [...]string{
	TradesCSVClassic: `"txid","ordertxid","pair","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers"`,
	TradesCSVNew: `"txid","ordertxid","pair","aclass","subclass","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers",` +
		`"postxid","posstatus","cprice","ccost","cfee","cvol","cmargin","net","trades"`,
}

// LedgerCSVHeader returns the header line (without newline) of a generation.
func LedgerCSVHeader(gen LedgerCSVGen) string {
	if gen < 0 || int(gen) >= len(ledgerHeaders) {
		gen = defaultLedgerCSVGen
	}
	return ledgerHeaders[gen]
}

// TradesCSVHeader returns the header line (without newline) of a generation.
func TradesCSVHeader(gen TradesCSVGen) string {
	if gen < 0 || int(gen) >= len(tradesHeaders) {
		gen = defaultTradesCSVGen
	}
	return tradesHeaders[gen]
}

// LedgerCSVOptions selects a ledgers export.
type LedgerCSVOptions struct {
	Gen LedgerCSVGen
	// From and To bound the entries' times, both inclusive; zero means
	// unbounded.
	From, To time.Time
	// UnquotedNumbers writes amounts, fees and balances without quotes, as
	// some real exports do (an empty balance stays "").
	UnquotedNumbers bool
	// TrimZeros drops trailing fractional zeros ("0" for 0.0000), as exports
	// since about 2024 do for some values.
	TrimZeros bool
}

// WriteLedgersCSV writes the ledgers export of a's entries within [from, to]
// (zero times: unbounded) in generation gen. m prices the USD columns of
// generation D (they are empty when m is nil).
//
// Every deposit of a fiat or crypto asset is preceded by its pending row:
// same refid, amount and fee, type deposit, empty txid and balance, a minute
// or two earlier. Legacy staking transfer legs (spottostaking, stakingtospot,
// stakingfromspot, spotfromstaking with pre-FT refids) get the same
// treatment, with type withdrawal for the outgoing leg and deposit for the
// incoming one, as 2021 exports show. Caller holds a.Mu (read).
func WriteLedgersCSV(w io.Writer, a *Account, m *Market, gen LedgerCSVGen, from, to time.Time) error {
	return WriteLedgersCSVOptions(w, a, m, LedgerCSVOptions{Gen: gen, From: from, To: to})
}

// WriteLedgersCSVOptions is WriteLedgersCSV with every option.
func WriteLedgersCSVOptions(w io.Writer, a *Account, m *Market, o LedgerCSVOptions) error {
	gen := o.Gen
	if gen < 0 || int(gen) >= len(ledgerHeaders) {
		gen = defaultLedgerCSVGen
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(ledgerHeaders[gen])
	bw.WriteByte('\n')
	lo, hi := Stamp(-1<<62), Stamp(1<<62)
	if !o.From.IsZero() {
		lo = StampOf(o.From)
	}
	if !o.To.IsZero() {
		hi = StampOf(o.To)
	}
	var row []byte
	for i := range a.Entries {
		e := &a.Entries[i]
		if e.Time < lo || e.Time > hi {
			continue
		}
		ai, known := assetIndex[e.Asset]
		info := AssetInfo{ID: e.Asset, Decimals: 4, Wallet: WalletSpot, Subclass: SubclassCrypto, Display: e.Asset}
		if known && assetTable[ai].ID == e.Asset {
			info = assetTable[ai]
		} else {
			ai = -1
		}
		if typ, ok := pendingRowType(e); ok {
			pt := e.Time - Stamp(600_000+int64(splitmix64(uint64(len(e.ID))^hashString(e.ID))%1_400_000))
			if i > 0 && pt < a.Entries[i-1].Time {
				pt = a.Entries[i-1].Time
			}
			row = ledgerRow(row[:0], e, pt, typ, true, &info, ai, gen, o, m)
			bw.Write(row)
		}
		row = ledgerRow(row[:0], e, e.Time, e.Type, false, &info, ai, gen, o, m)
		if _, err := bw.Write(row); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// pendingRowType reports whether e gets a pending row in CSV exports and
// the row's type.
func pendingRowType(e *Entry) (string, bool) {
	switch {
	case e.Type == tDeposit && e.Asset != "KFEE" && e.Amount > 0:
		return tDeposit, true
	case e.Type == tTransfer && len(e.RefID) > 1 && e.RefID[:2] != "FT":
		switch e.Subtype {
		case sSpotToStaking, sStakingToSpot:
			return tWithdrawal, true
		case sStakingFromSpot, sSpotFromStaking:
			return tDeposit, true
		}
	}
	return "", false
}

func ledgerRow(b []byte, e *Entry, t Stamp, typ string, pending bool, info *AssetInfo, ai int,
	gen LedgerCSVGen, o LedgerCSVOptions, m *Market) []byte {
	asset := info.ID
	if gen >= LedgerCSVGenC {
		asset = info.Display
	}
	if pending {
		b = appendQuoted(b, "")
	} else {
		b = appendQuoted(b, e.ID)
	}
	b = append(b, ',')
	b = appendQuoted(b, e.RefID)
	b = append(b, ',', '"')
	b = t.Time().AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, '"', ',')
	b = appendQuoted(b, typ)
	b = append(b, ',')
	if pending {
		b = appendQuoted(b, "")
	} else {
		b = appendQuoted(b, e.Subtype)
	}
	b = append(b, ',')
	b = appendQuoted(b, e.Aclass)
	b = append(b, ',')
	if gen >= LedgerCSVGenC {
		b = appendQuoted(b, info.Subclass)
		b = append(b, ',')
	}
	b = appendQuoted(b, asset)
	b = append(b, ',')
	if gen >= LedgerCSVGenB {
		b = appendQuoted(b, info.Wallet)
		b = append(b, ',')
	}
	b = appendNumber(b, e.Amount, info.Decimals, o)
	b = append(b, ',')
	b = appendNumber(b, e.Fee, info.Decimals, o)
	b = append(b, ',')
	if pending {
		b = appendQuoted(b, "")
	} else {
		b = appendNumber(b, e.Balance, info.Decimals, o)
	}
	if gen >= LedgerCSVGenD {
		// USD values at the entry's time (0 for assets without a price).
		var pico int64
		if m != nil && ai >= 0 {
			pico = m.assetPico(ai, e.Time.seconds())
		}
		for k, v := range [3]int64{e.Amount, e.Fee, e.Balance} {
			b = append(b, ',')
			switch {
			case m == nil || k == 2 && pending:
				b = appendQuoted(b, "")
			case ai < 0:
				b = appendNumber(b, 0, 4, o)
			default:
				b = appendNumber(b, valueAt(ai, v, pico), 4, o)
			}
		}
		b = append(b, ',')
		b = appendQuoted(b, info.Display)
	}
	return append(b, '\n')
}

// appendQuoted appends s as a CSV field in double quotes, doubling any quote.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func appendNumber(b []byte, v int64, places int, o LedgerCSVOptions) []byte {
	if !o.UnquotedNumbers {
		b = append(b, '"')
	}
	b = appendCSVDecimal(b, v, places, o.TrimZeros)
	if !o.UnquotedNumbers {
		b = append(b, '"')
	}
	return b
}

// appendCSVDecimal appends v (in 10^-places units) as FormatFixed writes it,
// without trailing fractional zeros if trim is set ("0" for zero).
func appendCSVDecimal(b []byte, v int64, places int, trim bool) []byte {
	u := uint64(v)
	if v < 0 {
		u = uint64(-v)
	}
	var digits [24]byte
	i := len(digits)
	// Write at least places+1 digits, so there is a whole part.
	for n := 1; ; n++ {
		i--
		digits[i] = byte('0' + u%10)
		u /= 10
		if n > places && u == 0 {
			break
		}
	}
	d := digits[i:] // at least places+1 digits
	whole, frac := d[:len(d)-places], d[len(d)-places:]
	if trim {
		j := len(frac)
		for j > 0 && frac[j-1] == '0' {
			j--
		}
		frac = frac[:j]
	}
	if v < 0 && (len(frac) > 0 || whole[0] != '0' || len(whole) > 1) {
		b = append(b, '-')
	}
	b = append(b, whole...)
	if len(frac) > 0 {
		b = append(b, '.')
		b = append(b, frac...)
	}
	return b
}

func hashString(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// WriteTradesCSV writes the trades export of a's trades within [from, to]
// (both inclusive; zero: unbounded), oldest first. cost is price x vol and
// excludes the fee; ledgers is the comma-joined ledger IDs in one quoted
// field; time has four decimals. Caller holds a.Mu (read).
func WriteTradesCSV(w io.Writer, a *Account, gen TradesCSVGen, from, to time.Time) error {
	if gen < 0 || int(gen) >= len(tradesHeaders) {
		gen = defaultTradesCSVGen
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(tradesHeaders[gen])
	bw.WriteByte('\n')
	lo, hi := Stamp(-1<<62), Stamp(1<<62)
	if !from.IsZero() {
		lo = StampOf(from)
	}
	if !to.IsZero() {
		hi = StampOf(to)
	}
	o := LedgerCSVOptions{}
	var b []byte
	for i := range a.Trades {
		t := &a.Trades[i]
		if t.Time < lo || t.Time > hi {
			continue
		}
		p, ok := PairByName(t.Pair)
		if !ok {
			p = PairInfo{ID: t.Pair, Base: t.Pair, Quote: t.Pair, PairDecimals: 4, LotDecimals: 8}
		}
		qdec := 4
		sub := SubclassCrypto
		if q, ok := AssetByID(p.Quote); ok {
			qdec = q.Decimals
		}
		if ba, ok := AssetByID(p.Base); ok {
			sub = ba.Subclass
		}
		b = b[:0]
		b = appendQuoted(b, t.ID)
		b = append(b, ',')
		b = appendQuoted(b, t.OrderID)
		b = append(b, ',')
		if gen == TradesCSVNew {
			b = appendQuoted(b, displayPair(p))
			b = append(b, ',')
			b = appendQuoted(b, "currency")
			b = append(b, ',')
			b = appendQuoted(b, sub)
		} else {
			b = appendQuoted(b, p.ID)
		}
		b = append(b, ',', '"')
		b = t.Time.Time().AppendFormat(b, "2006-01-02 15:04:05")
		frac := int64(t.Time) % 10_000
		b = append(b, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10), '"', ',')
		b = appendQuoted(b, t.Type)
		b = append(b, ',')
		b = appendQuoted(b, t.OrderType)
		b = append(b, ',')
		b = appendNumber(b, t.Price, p.PairDecimals, o)
		b = append(b, ',')
		b = appendNumber(b, t.Cost, qdec, o)
		b = append(b, ',')
		b = appendNumber(b, t.Fee, qdec, o)
		b = append(b, ',')
		b = appendNumber(b, t.Vol, p.LotDecimals, o)
		b = append(b, ',')
		b = appendNumber(b, t.Margin, qdec, o)
		b = append(b, ',')
		b = appendQuoted(b, t.Misc)
		b = append(b, ',', '"')
		for j, l := range t.Ledgers {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, l...)
		}
		b = append(b, '"')
		if gen == TradesCSVNew {
			// Spot fills: the position columns are empty.
			b = append(b, `,"","","","","","","","",""`...)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ExportZIP wraps one CSV into the ZIP archive RetrieveExport returns.
func ExportZIP(csvName string, csv []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: csvName, Method: zip.Deflate})
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(csv); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
