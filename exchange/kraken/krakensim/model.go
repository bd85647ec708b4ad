package krakensim

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Stamp is a Kraken ledger/trade/order timestamp in units of 1e-4 seconds,
// the precision Kraken uses for these times (1688464484.1787 is
// Stamp(16884644841787)). Integer units keep every comparison exact.
type Stamp int64

// StampOf converts t to a Stamp, truncating below 1e-4 s.
func StampOf(t time.Time) Stamp { return Stamp(t.UnixNano() / 100_000) }

// Time returns the Stamp as a UTC time.Time.
func (s Stamp) Time() time.Time { return time.Unix(0, int64(s)*100_000).UTC() }

// Unix returns the whole seconds of s.
func (s Stamp) Unix() int64 { return int64(s) / 10_000 }

// String formats s as Kraken does in JSON: seconds with four decimals.
func (s Stamp) String() string {
	sec, frac := int64(s)/10_000, int64(s)%10_000
	b := strconv.AppendInt(nil, sec, 10)
	b = append(b, '.')
	f := strconv.AppendInt(nil, frac+10_000, 10) // 1xxxx: keeps leading zeros
	return string(append(b, f[1:]...))
}

// FormatFixed formats v, an integer count of 10^-places units, as a decimal
// string with exactly places decimals ("-24.5000" for v=-245000, places=4).
func FormatFixed(v int64, places int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	digits := strconv.FormatUint(u, 10)
	if places > 0 {
		if len(digits) <= places {
			digits = strings.Repeat("0", places-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-places] + "." + digits[len(digits)-places:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// AssetInfo describes one Kraken asset as the Assets endpoint does.
// Amounts of the asset are held as int64 counts of 10^-Decimals units.
type AssetInfo struct {
	ID              string // Kraken asset ID: "XXBT", "ZEUR", "DOT", "DOT.S", "KFEE"
	Altname         string // "XBT", "EUR", "DOT", "DOT.S", "FEE"
	Aclass          string // "currency"
	Decimals        int    // record precision used for ledger amounts and balances
	DisplayDecimals int
	Fiat            bool
	// Base is the asset ID that a suffixed, read-only variant belongs to
	// ("DOT.S" -> "DOT", "XBT.M" -> "XXBT"); empty for base assets.
	Base string
	// Wallet is the CSV export wallet that holds this asset code
	// ("spot / main", "earn / flexible", "earn / bonded", ...).
	Wallet string
	// Status is the Assets endpoint status: "enabled", "withdrawal_only", ...
	Status string
	// Subclass is the CSV export subclass: "fiat", "crypto" or "stable_coin".
	Subclass string
	// Display is the symbol newer exports write ("BTC" for XXBT); see DisplayCode.
	Display string
}

// PairInfo describes one tradable pair as the AssetPairs endpoint does.
type PairInfo struct {
	ID           string // "XXBTZEUR", "DOTEUR"
	Altname      string // "XBTEUR"
	WSName       string // "XBT/EUR"
	Base, Quote  string // asset IDs
	PairDecimals int    // price precision
	LotDecimals  int    // volume precision
	CostDecimals int
	OrderMin     string
	CostMin      string
	TickSize     string
	Status       string // AssetPairs status: "online", "cancel_only", ...
}

// Entry is one ledger entry. Amount, Fee and Balance are counts of
// 10^-Decimals units of Asset (see AssetInfo); Balance is the asset's balance
// after the entry: previous Balance + Amount - Fee.
type Entry struct {
	ID      string // "L4UESK-KG3EQ-UFO4T5"
	RefID   string // trade txid, funding refid, ...
	Time    Stamp
	Type    string // "trade", "deposit", "earn", "invite bonus", ...
	Subtype string // "", "tradespot", "spottostaking", "reward", ...
	Aclass  string // "currency"
	Asset   string // asset ID, possibly suffixed ("DOT.S")
	Amount  int64
	Fee     int64
	Balance int64
}

// Trade is one fill as TradesHistory reports it. Price is in 10^-PairDecimals,
// Vol in 10^-LotDecimals, Cost and Fee in 10^-Decimals of the quote asset.
type Trade struct {
	ID        string // "THVRQM-33VKH-UCI7BS"
	OrderID   string
	PosID     string
	Pair      string // pair ID
	Time      Stamp
	Type      string // "buy" | "sell"
	OrderType string // "limit", "market", ...
	Price     int64
	Cost      int64
	Fee       int64
	Vol       int64
	Margin    int64
	Misc      string
	Maker     bool
	TradeID   int64
	Ledgers   []string // ledger IDs of the entries this fill produced
}

// Order is an order as ClosedOrders/OpenOrders/QueryOrders report it.
type Order struct {
	ID        string
	Status    string // "open", "closed", "canceled", "expired"
	OpenTm    Stamp
	CloseTm   Stamp // 0 while open
	Pair      string
	Type      string // "buy" | "sell"
	OrderType string
	Price     int64 // limit price, 10^-PairDecimals (0 for market)
	AvgPrice  int64 // 10^-PairDecimals
	Vol       int64 // 10^-LotDecimals
	VolExec   int64
	Cost      int64 // 10^-Decimals of the quote asset
	Fee       int64
	Oflags    string // "fciq", "fcib", "post,fciq", ...
	Misc      string
	Reason    string
	Trades    []string // trade IDs
}

// Funding is a deposit or withdrawal as DepositStatus/WithdrawStatus report it.
type Funding struct {
	Kind       string // "deposit" | "withdrawal"
	RefID      string // the ledger refid of the movement
	Asset      string // asset ID
	Method     string // "Bitcoin", "SEPA", ...
	Network    string
	Aclass     string
	Amount     int64 // 10^-Decimals of Asset, positive
	Fee        int64
	Time       int64 // unix seconds
	Status     string
	StatusProp string
	TxID       string
	Info       string // address or bank reference
	Key        string // withdrawal address name (withdrawals only)
}

// Account is one simulated Kraken account: its history and current state.
// Entries, Trades and Closed are kept in ascending (Time, then sequence)
// order; endpoints serve them newest first. All access goes through Mu.
type Account struct {
	Mu sync.RWMutex

	ID      string
	Entries []Entry
	Trades  []Trade
	Closed  []Order // closed, canceled and expired orders
	Open    []Order
	Funding []Funding

	// byID indexes Entries, Trades and Closed by ID (value = slice index).
	EntryIndex map[string]int
	TradeIndex map[string]int
	OrderIndex map[string]int

	sim *simState // generator state that AddActivity continues (nil if not generated)
}
