package kraken

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// envelope is Kraken's response wrapper.
type envelope struct {
	Error  []string        `json:"error"`
	Result json.RawMessage `json:"result"`
}

// interpret turns a response into a decoded result or one error: the single
// place where Kraken's envelope, HTTP status and body shape are checked (as
// go-github's CheckResponse).
func (c *Client) interpret(endpoint string, status int, body []byte, out any) error {
	trimmed := bytes.TrimSpace(body)
	if raw, ok := out.(*[]byte); ok && !bytes.HasPrefix(trimmed, []byte("{")) {
		// Binary result (RetrieveExport): anything but a JSON envelope.
		if status != http.StatusOK {
			return &TransportError{Endpoint: endpoint, HTTPStatus: status, Reason: fmt.Sprintf("HTTP %d", status),
				Snippet: snippet(body), temporary: statusTemporary(status)}
		}
		if len(body) == 0 {
			return &TransportError{Endpoint: endpoint, HTTPStatus: status, Reason: "empty response", temporary: true}
		}
		if isHTML(trimmed) {
			return &TransportError{Endpoint: endpoint, HTTPStatus: status, Reason: "response is an HTML page, not a file",
				Snippet: snippet(body), temporary: true}
		}
		*raw = body
		return nil
	}

	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return &DecodeError{Endpoint: endpoint, Field: typeErr.Field, Err: fmt.Errorf("response envelope: %w", err)}
		}
		reason := "response is not JSON"
		switch {
		case len(trimmed) == 0:
			reason = "empty response"
		case trimmed[0] == '{':
			reason = "truncated or invalid JSON"
		case isHTML(trimmed):
			reason = "response is an HTML page, not JSON"
		}
		if status != http.StatusOK {
			reason = fmt.Sprintf("HTTP %d, %s", status, reason)
		}
		return &TransportError{Endpoint: endpoint, HTTPStatus: status, Reason: reason, Err: err,
			Snippet: snippet(body), temporary: statusTemporary(status)}
	}
	if apiErr := newAPIError(endpoint, status, env.Error); apiErr != nil {
		return apiErr
	}
	if status != http.StatusOK {
		return &TransportError{Endpoint: endpoint, HTTPStatus: status, Reason: fmt.Sprintf("HTTP %d", status),
			Snippet: snippet(body), temporary: statusTemporary(status)}
	}
	if len(env.Error) > 0 {
		c.logger.Warn("kraken: warnings", slog.String("endpoint", endpoint), slog.Any("warnings", env.Error))
	}
	if _, ok := out.(*[]byte); ok {
		return &TransportError{Endpoint: endpoint, HTTPStatus: status, Reason: "expected a file, got a JSON result",
			Snippet: snippet(body)}
	}
	if out == nil {
		return nil
	}
	return decodeResult(endpoint, env.Result, out)
}

// decodeResult decodes a result into out, with errors that name the entry
// and field.
func decodeResult(endpoint string, raw json.RawMessage, out any) error {
	if d, ok := out.(resultDecoder); ok {
		return d.decodeResult(endpoint, raw)
	}
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return &DecodeError{Endpoint: endpoint, Err: errors.New("response has no result")}
	}
	return decodeJSON(endpoint, raw, out)
}

func isHTML(b []byte) bool { return len(b) > 0 && b[0] == '<' }
