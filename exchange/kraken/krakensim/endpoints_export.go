package krakensim

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"strconv"
	"strings"
	"time"
)

// export is one AddExport report of an account. Its status follows the
// server clock: Queued for the first half of Server.ExportDelay after
// creation, Processing for the second half, then Processed. The file is
// generated on first retrieval and kept.
type export struct {
	id, descr, format, report, fields, asset string
	created                                  time.Time
	delay                                    time.Duration
	from, to                                 time.Time // data window, clamped to the key's range
	zip                                      []byte
}

// exportExpiry is how long Kraken keeps a processed report.
const exportExpiry = 14 * 24 * time.Hour

func (e *export) status(now time.Time) string {
	switch {
	case now.Before(e.created.Add(e.delay / 2)):
		return "Queued"
	case now.Before(e.created.Add(e.delay)):
		return "Processing"
	}
	return "Processed"
}

// The fields AddExport accepts per report.
var exportFields = map[string][]string{
	"trades":  {"ordertxid", "time", "ordertype", "price", "cost", "fee", "vol", "margin", "misc", "ledgers"},
	"ledgers": {"refid", "time", "type", "subtype", "aclass", "asset", "amount", "fee", "balance", "wallet"},
}

func (c *call) exportReport() (string, error) {
	r := c.p.str("report", "")
	if r != "trades" && r != "ledgers" {
		return "", invalidArg("report")
	}
	return r, nil
}

// unixParam reads an optional unix-seconds parameter.
func (c *call) unixParam(name string, def time.Time) (time.Time, error) {
	s := strings.TrimSpace(c.p.str(name, ""))
	if s == "" {
		return def, nil
	}
	st, ok := parseStamp(s)
	if !ok {
		return time.Time{}, invalidArg(name)
	}
	return st.Time(), nil
}

func (c *call) addExport() ([]byte, error) {
	report, err := c.exportReport()
	if err != nil {
		return nil, err
	}
	descr := c.p.str("description", "")
	if descr == "" {
		return nil, invalidArg("description")
	}
	format := strings.ToUpper(c.p.str("format", "CSV"))
	if format != "CSV" && format != "TSV" {
		return nil, invalidArg("format")
	}
	fields := c.p.str("fields", "all")
	if fields != "all" {
		for _, f := range splitList(fields) {
			if !containsString(exportFields[report], f) {
				return nil, invalidArg("fields")
			}
		}
	}
	asset := c.p.str("asset", "all")
	if asset != "all" {
		for _, n := range splitList(asset) {
			if _, ok := c.s.resolveAsset(n); !ok {
				return nil, invalidArg("asset")
			}
		}
	}
	now := c.now.UTC()
	from, err := c.unixParam("starttm", time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	to, err := c.unixParam("endtm", now)
	if err != nil {
		return nil, err
	}
	if to.Before(from) {
		return nil, invalidArg("endtm")
	}
	kr := c.keyRange()
	if lo := kr.lo.Time(); from.Before(lo) {
		from = lo
	}
	if kr.hi != allTime.hi {
		if hi := kr.hi.Time(); to.After(hi) {
			to = hi
		}
	}
	ac := c.acct
	ac.expMu.Lock()
	defer ac.expMu.Unlock()
	ac.exportSeq++
	h := sha256.Sum256([]byte(ac.a.ID + "/export/" + strconv.FormatUint(ac.exportSeq, 10)))
	id := make([]byte, 4)
	for i := range id {
		id[i] = 'A' + h[i]%26
	}
	e := &export{id: string(id), descr: descr, format: format, report: report, fields: fields,
		asset: asset, created: c.now, delay: c.s.ExportDelay, from: from, to: to}
	ac.exports = append(ac.exports, e)
	out := []byte(`{"id":`)
	out = appendString(out, e.id)
	return append(out, '}'), nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *call) exportStatus() ([]byte, error) {
	report, err := c.exportReport()
	if err != nil {
		return nil, err
	}
	ac := c.acct
	ac.expMu.Lock()
	defer ac.expMu.Unlock()
	out := []byte{'['}
	n := 0
	for i := len(ac.exports) - 1; i >= 0; i-- {
		e := ac.exports[i]
		if e.report != report {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		st := e.status(c.now)
		started, completed := "0", "0"
		if st != "Queued" {
			started = unixOrZero(e.created.Add(e.delay / 2))
		}
		if st == "Processed" {
			completed = unixOrZero(e.created.Add(e.delay))
		}
		for k, kv := range [][2]string{
			{"id", e.id}, {"descr", e.descr}, {"format", e.format}, {"report", e.report},
			{"subtype", "all"}, {"status", st}, {"flags", "0"}, {"fields", e.fields},
			{"createdtm", unixOrZero(e.created)}, {"expiretm", unixOrZero(e.created.Add(exportExpiry))},
			{"starttm", started}, {"completedtm", completed},
			{"datastarttm", unixOrZero(e.from)}, {"dataendtm", unixOrZero(e.to)},
			{"aclass", "forex"}, {"asset", e.asset},
		} {
			if k == 0 {
				out = append(out, '{')
			}
			out = appendKey(out, kv[0], k == 0)
			out = appendString(out, kv[1])
		}
		out = append(out, '}')
	}
	return append(out, ']'), nil
}

// findExport returns the export with the id parameter.
func (c *call) findExport() (*export, int, error) {
	id := c.p.str("id", "")
	if id == "" {
		return nil, -1, invalidArg("id")
	}
	for i, e := range c.acct.exports {
		if e.id == id {
			return e, i, nil
		}
	}
	return nil, -1, invalidArg("id")
}

// RetrieveExport answers the ZIP file itself (application/octet-stream).
// An unknown ID, or one not yet Processed, is EGeneral:Invalid arguments:id.
func (c *call) retrieveExport() ([]byte, error) {
	ac := c.acct
	ac.expMu.Lock()
	defer ac.expMu.Unlock()
	e, _, err := c.findExport()
	if err != nil {
		return nil, err
	}
	if e.status(c.now) != "Processed" {
		return nil, invalidArg("id")
	}
	if e.zip == nil {
		z, err := c.s.buildExport(ac, e)
		if err != nil {
			c.s.logf("krakensim: export %s: %v", e.id, err)
			return nil, errInternal
		}
		e.zip = z
	}
	c.raw, c.rawType = e.zip, "application/octet-stream"
	return nil, nil
}

// buildExport writes the report's CSV (the current website generation),
// filters and projects it as requested, and zips it.
func (s *Server) buildExport(ac *account, e *export) ([]byte, error) {
	var buf bytes.Buffer
	ac.a.Mu.RLock()
	var err error
	if e.report == "ledgers" {
		err = WriteLedgersCSV(&buf, ac.a, s.market, defaultLedgerCSVGen, e.from, e.to)
	} else {
		err = WriteTradesCSV(&buf, ac.a, defaultTradesCSVGen, e.from, e.to)
	}
	ac.a.Mu.RUnlock()
	if err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if e.fields != "all" || e.asset != "all" || e.format == "TSV" {
		if data, err = s.reshapeCSV(data, e); err != nil {
			return nil, err
		}
	}
	name := e.report + ".csv"
	if e.format == "TSV" {
		name = e.report + ".tsv"
	}
	return ExportZIP(name, data)
}

// reshapeCSV keeps the requested columns (plus the ID column) and assets
// and re-encodes as CSV or TSV.
func (s *Server) reshapeCSV(data []byte, e *export) ([]byte, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return data, err
	}
	header := rows[0]
	keep := make([]int, 0, len(header))
	for i, h := range header {
		if e.fields == "all" || i == 0 || containsString(splitList(e.fields), h) {
			keep = append(keep, i)
		}
	}
	assetCol := -1
	var assets map[string]bool
	if e.asset != "all" {
		assets = map[string]bool{}
		for _, n := range splitList(e.asset) {
			if a, ok := s.resolveAsset(n); ok {
				assets[a.ID], assets[DisplayCode(a.ID)], assets[a.Altname] = true, true, true
			}
		}
		for i, h := range header {
			if h == "asset" {
				assetCol = i
			}
		}
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	if e.format == "TSV" {
		w.Comma = '\t'
	}
	for n, row := range rows {
		if n > 0 && assetCol >= 0 && assetCol < len(row) && !assets[row[assetCol]] {
			continue
		}
		rec := make([]string, 0, len(keep))
		for _, i := range keep {
			if i < len(row) {
				rec = append(rec, row[i])
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return out.Bytes(), w.Error()
}

func (c *call) removeExport() ([]byte, error) {
	typ := c.p.str("type", "")
	if typ != "cancel" && typ != "delete" {
		return nil, invalidArg("type")
	}
	ac := c.acct
	ac.expMu.Lock()
	defer ac.expMu.Unlock()
	e, i, err := c.findExport()
	if err != nil {
		return nil, err
	}
	processed := e.status(c.now) == "Processed"
	if processed != (typ == "delete") {
		return nil, invalidArg("type")
	}
	ac.exports = append(ac.exports[:i:i], ac.exports[i+1:]...)
	if typ == "cancel" {
		return []byte(`{"cancel":true}`), nil
	}
	return []byte(`{"delete":true}`), nil
}
