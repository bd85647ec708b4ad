package kraken

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// The Query* methods refuse an empty or oversized ID list before sending.
func TestQueryByIDLimits(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, _ := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write([]byte(`{"error":[],"result":{}}`))
	}))
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("L%05d-AAAAA-BBBBBB", i)
		}
		return out
	}
	tests := []struct {
		name string
		call func(n int) error
		max  int
	}{
		{"QueryLedgers", func(n int) error { _, err := c.QueryLedgers(t.Context(), ids(n)...); return err }, 20},
		{"QueryTrades", func(n int) error { _, err := c.QueryTrades(t.Context(), false, ids(n)...); return err }, 20},
		{"QueryOrders", func(n int) error { _, err := c.QueryOrders(t.Context(), true, ids(n)...); return err }, 50},
	}
	for _, tt := range tests {
		for _, n := range []int{0, tt.max + 1} {
			err := tt.call(n)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("want 1 to %d", tt.max)) {
				t.Errorf("%s with %d IDs: err = %v", tt.name, n, err)
			}
		}
		if err := tt.call(tt.max); err != nil {
			t.Errorf("%s with %d IDs: %v", tt.name, tt.max, err)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d requests sent, want 3 (only the valid calls)", n)
	}
}
