package kraken

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ExportRequest describes a report for AddExport.
type ExportRequest struct {
	Report      string   // "trades" or "ledgers" (required)
	Description string   // required
	Format      string   // "CSV" (default) or "TSV"
	Fields      []string // empty for all
	Start, End  time.Time
}

// AddExport asks Kraken to prepare a report and returns its ID. It is not
// retried after a transport failure (a retry could create a second
// report). Needs "Export Data".
func (c *Client) AddExport(ctx context.Context, r ExportRequest) (string, error) {
	if r.Report == "" || r.Description == "" {
		return "", errors.New("kraken: AddExport: report and description are required")
	}
	v := url.Values{"report": {r.Report}, "description": {r.Description}}
	setIf(v, "format", r.Format)
	if len(r.Fields) > 0 {
		v.Set("fields", strings.Join(r.Fields, ","))
	}
	if !r.Start.IsZero() {
		v.Set("starttm", strconv.FormatInt(r.Start.Unix(), 10))
	}
	if !r.End.IsZero() {
		v.Set("endtm", strconv.FormatInt(r.End.Unix(), 10))
	}
	var res struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, "POST", "/0/private/AddExport", v, &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &DecodeError{Endpoint: "AddExport", Field: "id", Err: errMissing}
	}
	return res.ID, nil
}

// Export is a report's state from ExportStatus. Kraken sends its times as
// strings of Unix seconds; they are decoded into Timestamps (zero if unset).
type Export struct {
	ID            string
	Description   string
	Format        string
	Report        string
	Subtype       string
	Status        string // "Queued", "Processing", "Processed"
	Fields        string
	Asset         string
	Created       Timestamp
	Started       Timestamp
	Completed     Timestamp
	DataStart     Timestamp
	DataEnd       Timestamp
	Expires       Timestamp // deprecated by Kraken
	Flags, AClass string    // deprecated by Kraken
}

// UnmarshalJSON reads an export whose times are strings.
func (e *Export) UnmarshalJSON(b []byte) error {
	var v struct {
		ID          string          `json:"id"`
		Descr       string          `json:"descr"`
		Format      string          `json:"format"`
		Report      string          `json:"report"`
		Subtype     string          `json:"subtype"`
		Status      string          `json:"status"`
		Flags       string          `json:"flags"`
		Fields      string          `json:"fields"`
		Asset       string          `json:"asset"`
		AClass      string          `json:"aclass"`
		CreatedTm   json.RawMessage `json:"createdtm"`
		StartTm     json.RawMessage `json:"starttm"`
		CompletedTm json.RawMessage `json:"completedtm"`
		DataStartTm json.RawMessage `json:"datastarttm"`
		DataEndTm   json.RawMessage `json:"dataendtm"`
		ExpireTm    json.RawMessage `json:"expiretm"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Export{ID: v.ID, Description: v.Descr, Format: v.Format, Report: v.Report, Subtype: v.Subtype,
		Status: v.Status, Fields: v.Fields, Asset: v.Asset, Flags: v.Flags, AClass: v.AClass}
	return parseTextTimestamps([]namedTimestamp{
		{"createdtm", v.CreatedTm, &e.Created}, {"starttm", v.StartTm, &e.Started},
		{"completedtm", v.CompletedTm, &e.Completed}, {"datastarttm", v.DataStartTm, &e.DataStart},
		{"dataendtm", v.DataEndTm, &e.DataEnd}, {"expiretm", v.ExpireTm, &e.Expires},
	})
}

type exportList []Export

func (l *exportList) decodeResult(endpoint string, raw []byte) error {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return &DecodeError{Endpoint: endpoint, Err: errors.New("want a list of exports, got " + jsonKind(raw))}
	}
	out := make([]Export, len(list))
	for i, it := range list {
		if err := json.Unmarshal(it, &out[i]); err != nil {
			var id struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(it, &id)
			return &DecodeError{Endpoint: endpoint, Entry: cmp.Or(id.ID, "#"+strconv.Itoa(i)), Err: err}
		}
	}
	*l = out
	return nil
}

// ExportStatus returns the reports of one kind ("trades" or "ledgers").
// Needs "Export Data".
func (c *Client) ExportStatus(ctx context.Context, report string) ([]Export, error) {
	var l exportList
	if err := c.do(ctx, "POST", "/0/private/ExportStatus", url.Values{"report": {report}}, &l); err != nil {
		return nil, err
	}
	return l, nil
}

// RetrieveExport downloads a processed report: the raw ZIP file. A JSON
// answer is Kraken's error envelope and is returned as an error. Needs
// "Export Data".
func (c *Client) RetrieveExport(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	if err := c.do(ctx, "POST", "/0/private/RetrieveExport", url.Values{"id": {id}}, &b); err != nil {
		return nil, err
	}
	return b, nil
}

// RemoveExportResult says what RemoveExport did.
type RemoveExportResult struct {
	Delete bool `json:"delete"`
	Cancel bool `json:"cancel"`
}

// RemoveExport deletes a processed report (typ "delete") or cancels a
// queued one (typ "cancel"). Needs "Export Data".
func (c *Client) RemoveExport(ctx context.Context, id, typ string) (*RemoveExportResult, error) {
	var r RemoveExportResult
	if err := c.do(ctx, "POST", "/0/private/RemoveExport", url.Values{"id": {id}, "type": {typ}}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
