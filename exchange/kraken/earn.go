package kraken

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/cointally/cointally/money"
)

// Amounts is an amount in the asset itself and converted to another asset.
type Amounts struct {
	Native    money.Amount `json:"native"`
	Converted money.Amount `json:"converted"`
}

// EarnAllocationState is the part of an allocation in one state (bonding,
// exit queue, pending, unbonding).
type EarnAllocationState struct {
	Amounts
	AllocationCount int `json:"allocation_count"`
	Allocations     []struct {
		Amounts
		CreatedAt time.Time `json:"created_at"`
		Expires   time.Time `json:"expires"`
	} `json:"allocations"`
}

// EarnAllocation is the user's position in one Earn strategy.
type EarnAllocation struct {
	StrategyID      string `json:"strategy_id"`
	NativeAsset     string `json:"native_asset"`
	AmountAllocated struct {
		Bonding   *EarnAllocationState `json:"bonding"`
		ExitQueue *EarnAllocationState `json:"exit_queue"`
		Pending   *EarnAllocationState `json:"pending"`
		Unbonding *EarnAllocationState `json:"unbonding"`
		Total     Amounts              `json:"total"`
	} `json:"amount_allocated"`
	Payout *struct {
		AccumulatedReward Amounts   `json:"accumulated_reward"`
		EstimatedReward   Amounts   `json:"estimated_reward"`
		PeriodStart       time.Time `json:"period_start"`
		PeriodEnd         time.Time `json:"period_end"`
	} `json:"payout"`
	TotalRewarded Amounts `json:"total_rewarded"`
}

// EarnAllocations is the result of Earn/Allocations. It values Earn
// positions; the reward history itself is in the ledger.
type EarnAllocations struct {
	ConvertedAsset string           `json:"converted_asset"`
	TotalAllocated money.Amount     `json:"total_allocated"`
	TotalRewarded  money.Amount     `json:"total_rewarded"`
	NextCursor     string           `json:"next_cursor"`
	Items          []EarnAllocation `json:"items"`
}

// EarnAllocationsOptions are the parameters of EarnAllocations.
type EarnAllocationsOptions struct {
	Ascending           bool
	ConvertedAsset      string // default "USD"
	HideZeroAllocations bool
}

// EarnAllocations returns the account's Earn allocations. Needs "Query
// Funds".
func (c *Client) EarnAllocations(ctx context.Context, opts *EarnAllocationsOptions) (*EarnAllocations, error) {
	v := url.Values{}
	if opts != nil {
		if opts.Ascending {
			v.Set("ascending", strconv.FormatBool(true))
		}
		setIf(v, "converted_asset", opts.ConvertedAsset)
		if opts.HideZeroAllocations {
			v.Set("hide_zero_allocations", "true")
		}
	}
	var r EarnAllocations
	if err := c.do(ctx, "POST", "/0/private/Earn/Allocations", v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
