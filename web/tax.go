package web

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/report"
)

// The tax page shows one year under one method in one currency: the
// totals, the disposals, the income, the comparison of methods and, at the
// top, a banner for whatever makes the year uncertain. The figures come
// from Config.Reports, which computes them in the background: until they
// are ready the page says what is being done and reloads itself.

// Methods are the cost-basis methods, in the order the page offers them.
var Methods = []string{"fifo", "lifo", "hifo", "average", "uk"}

// taxRowsShown caps the disposals and income lines the page lists; the
// downloads hold them all.
const taxRowsShown = 200

// taxExports are the downloads of the tax page, by kind.
var taxExports = []struct{ Kind, Label string }{
	{"disposals", "Disposals (CSV)"},
	{"8949", "US Form 8949 (CSV)"},
	{"uk", "UK capital gains summary (CSV)"},
	{"audit", "Audit: every lot match (CSV)"},
	{"income", "Income (CSV)"},
}

// parseTaxQuery reads year, method and currency; empty ones are left for
// Reports to fill with the user's settings. KindInvalid when one is
// malformed.
func parseTaxQuery(v url.Values) (TaxQuery, error) {
	var q TaxQuery
	if s := strings.TrimSpace(v.Get("year")); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2009 || y > 9999 {
			return q, badRequest("The year %q is not a year such as 2024.", s)
		}
		q.Year = y
	}
	if s := strings.ToLower(strings.TrimSpace(v.Get("method"))); s != "" {
		if !contains(Methods, s) {
			return q, badRequest("The method %q is not one of fifo, lifo, hifo, average or uk.", s)
		}
		q.Method = s
	}
	if s := strings.ToUpper(strings.TrimSpace(v.Get("currency"))); s != "" {
		if !contains(Currencies, s) {
			return q, badRequest("The currency %q is not one of %s.", s, strings.Join(Currencies, ", "))
		}
		q.Currency = s
	}
	return q, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

type taxData struct {
	Scope      scope
	View       *TaxView
	Query      TaxQuery
	Years      []int
	Methods    []string
	Currencies []string
	Exports    []taxExportLink
	// Disposals and IncomeLines are the first rows; More* count the rest.
	Disposals     []cointally.Disposal
	MoreDisposals int
	IncomeLines   []report.IncomeLine
	MoreIncome    int
	Uncertain     []string // sentences for the banner
	BannerLines   []string // the quarantined groups, one per line
	HasTerm       bool     // short/long term applies (fifo, lifo, hifo)
	Unavailable   string
	TaxYearLabel  string
	IncomeLabel   string
}

type taxExportLink struct{ Label, URL string }

func (s *Server) taxPage(w http.ResponseWriter, r *http.Request) {
	who, err := s.scopeOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := parseTaxQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := taxData{Scope: who, Query: q, Methods: Methods, Currencies: Currencies}
	if s.cfg.Reports == nil {
		data.Unavailable = "Reports are not available on this server."
		s.render(w, r, http.StatusOK, "tax", data)
		return
	}
	v, err := s.cfg.Reports.Tax(r.Context(), who.OwnerID(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.View, data.Query = v, v.Query
	data.Years = v.Years
	if !containsInt(data.Years, v.Query.Year) && v.Query.Year != 0 {
		data.Years = append([]int{v.Query.Year}, data.Years...)
	}
	if !v.Ready {
		w.Header().Set("Refresh", "2")
		s.render(w, r, http.StatusOK, "tax", data)
		return
	}
	term := v.Query.Method == "fifo" || v.Query.Method == "lifo" || v.Query.Method == "hifo"
	for _, e := range taxExports {
		if e.Kind == "8949" && !term {
			continue // Form 8949 needs holding periods
		}
		u := url.Values{"year": {strconv.Itoa(v.Query.Year)}, "method": {v.Query.Method}, "currency": {v.Query.Currency}, "kind": {e.Kind}}
		data.Exports = append(data.Exports, taxExportLink{Label: e.Label, URL: who.URL("/tax/export?" + u.Encode())})
	}
	if g := v.Gains; g != nil {
		data.Disposals = g.Disposals[:min(len(g.Disposals), taxRowsShown)]
		data.MoreDisposals = len(g.Disposals) - len(data.Disposals)
		data.TaxYearLabel = g.Period.Label
		data.HasTerm = term
		if bn := g.Banner; bn != nil {
			data.Uncertain = append(data.Uncertain, bn.Headline())
			data.BannerLines = bn.Lines()
		}
		if n := g.Totals.ValueUnknown; n > 0 {
			data.Uncertain = append(data.Uncertain, fmt.Sprintf("%d disposals or receipts involve a value cointally could not price (no market price that day): their value counts as zero until you import a price (cointally prices import).", n))
		}
		for _, wn := range g.Warnings {
			data.Uncertain = append(data.Uncertain, fmt.Sprintf("%s %s: %s", wn.Time.UTC().Format("2006-01-02"), wn.Asset, wn.Message))
		}
		if m := g.Margin; m.Unknown > 0 {
			data.Uncertain = append(data.Uncertain, fmt.Sprintf("%d margin results have no value.", m.Unknown))
		}
	}
	if in := v.Income; in != nil {
		data.IncomeLines = in.Lines[:min(len(in.Lines), taxRowsShown)]
		data.MoreIncome = len(in.Lines) - len(data.IncomeLines)
		data.IncomeLabel = in.Period.Label
		if in.Unknown > 0 {
			data.Uncertain = append(data.Uncertain, fmt.Sprintf("%d income receipts have no price: their value counts as zero.", in.Unknown))
		}
	}
	s.render(w, r, http.StatusOK, "tax", data)
}

func containsInt(xs []int, n int) bool {
	for _, x := range xs {
		if x == n {
			return true
		}
	}
	return false
}

// taxExport sends one export of the tax page as a CSV attachment.
func (s *Server) taxExport(w http.ResponseWriter, r *http.Request) {
	who, err := s.scopeOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := parseTaxQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kind := r.URL.Query().Get("kind")
	known := false
	for _, e := range taxExports {
		known = known || e.Kind == kind
	}
	if !known {
		s.fail(w, r, badRequest("Choose an export: disposals, 8949, uk, audit or income."))
		return
	}
	if s.cfg.Reports == nil {
		s.fail(w, r, &cointally.Error{Kind: cointally.KindUnavailable, Message: "Reports are not available on this server."})
		return
	}
	// Write to a buffer first: an error is then a clean error page, not a
	// truncated download.
	var buf strings.Builder
	bw := bufio.NewWriter(&buf)
	if err := s.cfg.Reports.TaxExport(r.Context(), who.OwnerID(), q, kind, bw); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := bw.Flush(); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "cointally-" + kind
	if q.Year != 0 {
		name += "-" + strconv.Itoa(q.Year)
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(buf.String()))
}
