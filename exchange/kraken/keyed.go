package kraken

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Kraken's list results are objects keyed by ID (ledger entries, trades,
// orders). The helpers here are the one place that decodes a paged result
// ({"<list>": {...}, "count": n}) and calls a Query* method by IDs.

// mapDecoder decodes an object of items keyed by ID, newest first.
type mapDecoder[T any] func(endpoint string, raw json.RawMessage) ([]T, error)

// decodePage decodes a paged result whose items sit under listKey.
func decodePage[T any](endpoint string, raw []byte, listKey string, decode mapDecoder[T]) (items []T, count int, hasCount bool, err error) {
	v, err := pick(raw, listKey, "count")
	if err != nil {
		return nil, 0, false, &DecodeError{Endpoint: endpoint, Err: err}
	}
	if v[0] == nil {
		return nil, 0, false, &DecodeError{Endpoint: endpoint, Field: listKey, Err: errMissing}
	}
	if items, err = decode(endpoint, v[0]); err != nil {
		return nil, 0, false, err
	}
	count, hasCount, err = decodeCount(endpoint, v[1])
	return items, count, hasCount, err
}

// keyedList is the result of a Query* method: the object itself.
type keyedList[T any] struct {
	items  []T
	decode mapDecoder[T]
}

func (l *keyedList[T]) decodeResult(endpoint string, raw []byte) error {
	var err error
	l.items, err = l.decode(endpoint, raw)
	return err
}

// queryByID calls the private Query* method with 1 to max IDs in param
// (plus the trades flag when set) and returns the items, newest first.
func queryByID[T any](ctx context.Context, c *Client, method, param, what string, max int, ids []string, trades bool, decode mapDecoder[T]) ([]T, error) {
	if len(ids) == 0 || len(ids) > max {
		return nil, fmt.Errorf("kraken: %s: want 1 to %d %s IDs, got %d", method, max, what, len(ids))
	}
	v := url.Values{param: {strings.Join(ids, ",")}}
	if trades {
		v.Set("trades", "true")
	}
	l := &keyedList[T]{decode: decode}
	if err := c.do(ctx, "POST", "/0/private/"+method, v, l); err != nil {
		return nil, err
	}
	return l.items, nil
}
