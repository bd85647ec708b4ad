package kraken

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file finds Kraken's CSV exports in what a user gives (a CSV or TSV
// file as downloaded, or the ZIP archive Kraken delivers, read directly),
// tells ledgers from trades by the header, and holds the row reading that
// the ledgers and trades readers share: header by name, line numbers,
// errors that name the line and column, and the diagnoses of files that a
// spreadsheet program or an interrupted download has changed.

// ExportKind is what a Kraken CSV export holds.
type ExportKind int

// The exports cointally reads.
const (
	ExportUnknown ExportKind = iota
	ExportLedgers            // History → Export → Ledgers (csvledger.go)
	ExportTrades             // History → Export → Trades (csvtrades.go)
)

func (k ExportKind) String() string {
	switch k {
	case ExportLedgers:
		return "ledgers"
	case ExportTrades:
		return "trades"
	}
	return "unknown"
}

// ExportFile is one CSV export: a file as given, or one member of a ZIP
// archive.
type ExportFile struct {
	// Name is the file's name as given, or "ARCHIVE:MEMBER" for a member of
	// a ZIP archive.
	Name string
	// Size is the content's length in bytes (for a member, as the archive
	// states it), to size buffers by.
	Size int64
	open func() (io.ReadCloser, error)
}

// Open returns the file's content; the caller closes it. Reading a
// damaged archive member fails with an error from archive/zip (a checksum
// error at its end, io.ErrUnexpectedEOF when it is cut short).
func (f ExportFile) Open() (io.ReadCloser, error) { return f.open() }

// zipMagic starts every ZIP archive (a local file header; an empty
// archive starts with its end record).
var zipMagic, zipEmptyMagic = []byte("PK\x03\x04"), []byte("PK\x05\x06")

// ExportFiles returns the exports in the file name, whose size bytes r
// reads: the file itself, or, when it is a ZIP archive (recognised by its
// content, whatever its name), each .csv and .tsv member in archive order
// (DetectExport tells their separator).
// It fails with a message for the user when the archive is damaged or
// holds no CSV file (a spreadsheet's .xlsx is such an archive).
func ExportFiles(name string, r io.ReaderAt, size int64) ([]ExportFile, error) {
	var head [4]byte
	n, _ := r.ReadAt(head[:], 0)
	if n < 4 || (!bytes.Equal(head[:], zipMagic) && !bytes.Equal(head[:], zipEmptyMagic)) {
		return []ExportFile{{Name: name, Size: size, open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.NewSectionReader(r, 0, size)), nil
		}}}, nil
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: the ZIP archive cannot be read (%w): it is damaged or incomplete, "+
			"perhaps an interrupted download; download the export from Kraken again", name, err)
	}
	var out []ExportFile
	var others []string
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		ext := strings.ToLower(path.Ext(zf.Name))
		if ext != ".csv" && ext != ".tsv" {
			others = append(others, zf.Name)
			continue
		}
		out = append(out, ExportFile{Name: name + ":" + zf.Name, Size: int64(min(zf.UncompressedSize64, 1<<62)), open: zf.Open})
	}
	if len(out) == 0 {
		msg := fmt.Sprintf("%s: the ZIP archive holds no CSV file", name)
		if len(others) > 0 {
			msg += fmt.Sprintf(" (it holds %s)", strings.Join(others[:min(len(others), 3)], ", "))
		}
		if slices.Contains(others, "[Content_Types].xml") {
			msg += "; it looks like a spreadsheet (.xlsx): export the history from Kraken again as CSV"
		}
		return nil, errors.New(msg)
	}
	return out, nil
}

// resavedHint ends every message about a file that a spreadsheet program
// has probably changed.
const resavedHint = "the file was probably opened and saved again in a spreadsheet program, which rewrites dates " +
	"and numbers: download the export from Kraken again and import that file unopened"

// DetectExport looks at the header line at the start of br, without
// consuming it, and returns what the export holds and its field separator
// (',' or '\t'). The error is a *CSVError for line 1 when the file is not a
// Kraken ledgers or trades export; its message says what the file looks
// like instead (empty, not text, a spreadsheet's semicolons, another
// export) and what to do.
func DetectExport(br *bufio.Reader) (ExportKind, rune, error) {
	line, err := br.Peek(br.Size())
	if len(line) == 0 {
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return ExportUnknown, 0, &CSVError{Line: 1, Err: err, Fatal: true}
		}
		return ExportUnknown, 0, &CSVError{Line: 1, Err: errors.New("the file is empty; want a Kraken ledgers or trades export")}
	}
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if bytes.HasPrefix(line, []byte("\xff\xfe")) || bytes.HasPrefix(line, []byte("\xfe\xff")) {
		return ExportUnknown, 0, &CSVError{Line: 1, Err: errors.New("the file is in UTF-16, as spreadsheet programs save \"Unicode text\": " + resavedHint)}
	}
	line = bytes.TrimSuffix(bytes.TrimPrefix(line, []byte("\ufeff")), []byte("\r"))
	if bytes.IndexByte(line, 0) >= 0 || !utf8.Valid(line) {
		return ExportUnknown, 0, &CSVError{Line: 1, Err: errors.New("this is not a CSV file (it holds binary data): " +
			"want a Kraken ledgers or trades export as downloaded (.csv), or the ZIP archive it came in")}
	}
	comma := ','
	commas, tabs, semis := bytes.Count(line, []byte(",")), bytes.Count(line, []byte("\t")), bytes.Count(line, []byte(";"))
	switch {
	case tabs > commas && tabs >= semis:
		comma = '\t'
	case semis > commas:
		comma = ';'
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.Comma = comma
	cr.LazyQuotes = true
	names, _ := cr.Read()
	has := map[string]bool{}
	for _, n := range names {
		has[strings.ToLower(strings.TrimSpace(n))] = true
	}
	all := func(cols []string) bool {
		for _, c := range cols {
			if !has[c] {
				return false
			}
		}
		return true
	}
	var kind ExportKind
	switch {
	case all(requiredLedgerColumns):
		kind = ExportLedgers
	case all(requiredTradeColumns):
		kind = ExportTrades
	}
	if kind == ExportUnknown {
		shown := string(line)
		if len(shown) > 200 {
			shown = shown[:200] + "…"
		}
		return ExportUnknown, 0, &CSVError{Line: 1, Err: fmt.Errorf("this is not a Kraken ledgers or trades export: "+
			"its first line is %q; a ledgers export starts with %s and a trades export with %s",
			shown, `"txid","refid","time","type",…`, `"txid","ordertxid","pair","time",…`)}
	}
	if comma == ';' {
		return kind, 0, &CSVError{Line: 1, Err: errors.New("the columns are separated by semicolons, not commas: " + resavedHint)}
	}
	return kind, comma, nil
}

// tailReader passes reads through and remembers how many lines ended and
// whether the input ended after a line break, so that a row cut short at
// the end of the file is reported as a truncated file.
type tailReader struct {
	r     io.Reader
	lines int
	last  byte
	eof   bool
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.lines += bytes.Count(p[:n], []byte{'\n'})
		t.last = p[n-1]
	}
	if errors.Is(err, io.EOF) {
		t.eof = true
	}
	return n, err
}

// unterminated reports whether line is the last line of the input and
// ends without a line break: where a cut-off file ends.
func (t *tailReader) unterminated(line int) bool {
	return t.eof && t.last != '\n' && line > t.lines
}

// csvRows reads the rows of one CSV export after its header.
type csvRows struct {
	export string // "ledgers" or "trades", for messages
	cr     *csv.Reader
	src    *tailReader
	header []string
	pos    map[string]int
	line   int
	raw    []byte
	fatal  *CSVError // once set, every read returns it
}

// newCSVRows reads the header from r. required are the columns the export
// must have; what names the export in the error when one is missing.
func newCSVRows(r io.Reader, comma rune, export string, required []string, example string) (*csvRows, error) {
	src := &tailReader{r: r}
	cr := csv.NewReader(src)
	if comma != 0 {
		cr.Comma = comma
	}
	cr.ReuseRecord = true
	t := &csvRows{export: export, cr: cr, src: src}
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &CSVError{export: export, Line: 1, Err: errors.New("the file is empty; want a header line such as " + example)}
		}
		return nil, t.readError(err, 1)
	}
	t.header = make([]string, len(head))
	t.pos = make(map[string]int, len(head))
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		t.header[i] = h
		if _, dup := t.pos[h]; dup && h != "" {
			return nil, &CSVError{export: export, Line: 1, Column: h, Err: errors.New("the header names this column twice")}
		}
		t.pos[h] = i
	}
	var missing []string
	for _, name := range required {
		if _, ok := t.pos[name]; !ok {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
	}
	if len(missing) > 0 {
		return nil, &CSVError{export: export, Line: 1, Err: fmt.Errorf("this is not a Kraken %s export: the header lacks %s (it has %s)",
			export, strings.Join(missing, ", "), strings.Join(t.header, ","))}
	}
	cr.FieldsPerRecord = len(head)
	t.line = 1
	return t, nil
}

// col returns the position of a column, -1 when the file has none.
func (t *csvRows) col(name string) int {
	if i, ok := t.pos[name]; ok {
		return i
	}
	return -1
}

// next returns the next record (valid until the next call), io.EOF at the
// end, or a *CSVError for a row that cannot be read (reading may go on
// unless its Fatal is set).
func (t *csvRows) next() ([]string, error) {
	if t.fatal != nil {
		return nil, t.fatal
	}
	rec, err := t.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		// (FieldPos must not be asked after a parse error: the record's
		// positions may be empty.)
		ce := t.readError(err, t.line+1)
		t.line = max(t.line, ce.Line)
		if errors.Is(err, csv.ErrFieldCount) {
			t.diagnoseFieldCount(ce, rec)
		}
		return nil, ce
	}
	t.line, _ = t.cr.FieldPos(0)
	return rec, nil
}

// readError turns an error of encoding/csv (or of the reader under it)
// into a *CSVError; line is where the row began, as far as known.
func (t *csvRows) readError(err error, line int) *CSVError {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		// The input itself failed (a damaged archive member, a read
		// error): nothing after this point can be trusted.
		ce := &CSVError{export: t.export, Line: max(line, 1), Err: err, Fatal: true}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, zip.ErrChecksum) {
			ce.Err = fmt.Errorf("%w: the file is damaged or truncated (an interrupted download?); download the export from Kraken again", err)
		}
		t.fatal = ce
		return ce
	}
	ce := &CSVError{export: t.export, Line: max(pe.StartLine, pe.Line, 1), Err: pe.Err}
	if pe.StartLine > 0 {
		ce.Line = pe.StartLine
	}
	switch {
	case t.src.unterminated(max(pe.Line, ce.Line)):
		ce.Err = errors.New("the file ends in the middle of this row: it is truncated (an interrupted download or copy?); " +
			"download the export from Kraken again")
	case errors.Is(pe.Err, csv.ErrFieldCount):
		ce.Err = fmt.Errorf("the row has a different number of fields than the header (%d)", len(t.header))
	case pe.Column > 0:
		ce.Err = fmt.Errorf("%w (at character %d of line %d)", pe.Err, pe.Column, pe.Line)
	}
	return ce
}

// diagnoseFieldCount explains a row with more fields than the header when
// a number in it holds an unquoted comma: a thousands separator
// ("1,234.56" read as "1" and "234.56") or a decimal comma ("0,5").
func (t *csvRows) diagnoseFieldCount(ce *CSVError, rec []string) {
	if len(rec) <= len(t.header) || t.src.unterminated(ce.Line) {
		return
	}
	for i := 0; i+1 < len(rec) && i < len(t.header); i++ {
		a, b := rec[i], rec[i+1]
		if !isDigits(strings.TrimPrefix(a, "-")) || b == "" {
			continue
		}
		whole, frac, dotted := strings.Cut(b, ".")
		if !isDigits(whole) || dotted && !isDigits(frac) {
			continue
		}
		ce.Column, ce.Value = t.header[i], a+","+b
		if len(whole) == 3 && len(a) <= 4 {
			ce.Err = errors.New("a number is written with a thousands separator, which splits the row into too many fields; " +
				"Kraken writes plain numbers such as 1234.56: " + resavedHint)
		} else {
			ce.Err = errors.New("a number is written with a decimal comma, which splits the row into too many fields; " +
				"Kraken writes a decimal point: " + resavedHint)
		}
		return
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (t *csvRows) fieldErr(column, value string, err error) *CSVError {
	return &CSVError{export: t.export, Line: t.line, Column: column, Value: value, Err: err}
}

// text checks a text field: it must not hold control characters, which no
// Kraken code or ID has (and which the store refuses).
func (t *csvRows) text(column, value string) error {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 || c == 0x7f {
			return t.fieldErr(column, value, errors.New("contains a control character"))
		}
	}
	return nil
}

// rawJSON returns the row as a JSON object of header name to text.
func (t *csvRows) rawJSON(rec []string) []byte {
	b := t.raw[:0]
	b = append(b, '{')
	for i, v := range rec {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, t.header[i])
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	b = append(b, '}')
	t.raw = b
	return append([]byte(nil), b...)
}
