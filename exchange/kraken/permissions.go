package kraken

// Kraken's names for API key permissions, as labelled on its API settings
// page (REFERENCE §3.1).
const (
	PermQueryFunds        = "Query Funds"
	PermDepositFunds      = "Deposit Funds"
	PermWithdrawFunds     = "Withdraw Funds"
	PermEarnFunds         = "Earn Funds"
	PermQueryOpenOrders   = "Query Open Orders & Trades"
	PermQueryClosedOrders = "Query Closed Orders & Trades"
	PermModifyOrders      = "Create & Modify Orders"
	PermCancelOrders      = "Cancel & Close Orders"
	PermQueryLedger       = "Query Ledger Entries"
	PermExportData        = "Export Data"
	PermWebSockets        = "Access WebSockets API"
)

// permissionHelp maps a private method to the permission(s) it needs, as
// Kraken's per-endpoint notes state them (REFERENCE §3.2).
var permissionHelp = map[string]string{
	"Balance":             q(PermQueryFunds),
	"BalanceEx":           q(PermQueryFunds),
	"CreditLines":         q(PermQueryFunds),
	"TradeVolume":         q(PermQueryFunds),
	"DepositAddresses":    q(PermQueryFunds),
	"DepositStatus":       q(PermQueryFunds),
	"Earn/Allocations":    q(PermQueryFunds),
	"TradeBalance":        q(PermQueryOpenOrders),
	"OpenOrders":          q(PermQueryOpenOrders),
	"OpenPositions":       q(PermQueryOpenOrders),
	"ClosedOrders":        q(PermQueryClosedOrders),
	"TradesHistory":       q(PermQueryClosedOrders),
	"QueryTrades":         q(PermQueryClosedOrders),
	"QueryOrders":         q(PermQueryOpenOrders) + " or " + q(PermQueryClosedOrders),
	"Ledgers":             q(PermQueryLedger),
	"QueryLedgers":        q(PermQueryLedger),
	"AddExport":           q(PermExportData),
	"ExportStatus":        q(PermExportData),
	"RetrieveExport":      q(PermExportData),
	"RemoveExport":        q(PermExportData),
	"DepositMethods":      q(PermQueryFunds) + " and " + q(PermDepositFunds),
	"WithdrawMethods":     q(PermQueryFunds) + " and " + q(PermWithdrawFunds),
	"WithdrawAddresses":   q(PermQueryFunds) + " and " + q(PermWithdrawFunds),
	"WithdrawInfo":        q(PermQueryFunds) + " and " + q(PermWithdrawFunds),
	"WithdrawStatus":      q(PermQueryLedger) + " (or " + q(PermWithdrawFunds) + ")",
	"AddOrder":            q(PermModifyOrders),
	"CancelOrder":         q(PermModifyOrders) + " or " + q(PermCancelOrders),
	"GetWebSocketsToken":  q(PermWebSockets),
	"Earn/AllocateStatus": q(PermQueryFunds) + " (or " + q(PermEarnFunds) + ")",
}

func q(s string) string { return "\"" + s + "\"" }

// RequiredPermission returns the permission a private method needs, in
// Kraken's UI words and quoted, e.g. `"Query Ledger Entries"` for "Ledgers",
// or "" when the method needs none or is not known.
func RequiredPermission(method string) string { return permissionHelp[method] }
