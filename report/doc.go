// Package report values ledger events in the user's currency and assembles
// the reports: capital gains (JSON, text, a US Form 8949 CSV, a UK capital
// gains summary, a full audit CSV), income, holdings, and a comparison of
// cost-basis methods.
//
// # Valuation
//
// Value turns events (cointally.Event, from an exchange's classifier) into
// the cost-basis engine's Txns, with the rules below, and keeps what the
// engine does not see: income lines, margin results, quarantined groups,
// and the source of every price.
//
//   - Fiat is money, not an asset: a fiat leg values the trade (the first
//     price source: "trade"), and fiat balances have no lots.
//   - A trade or conversion that gives crypto is a disposal of it; one that
//     receives crypto is an acquisition. Both are valued by the fiat leg
//     (converted into the report currency when it is another fiat), or, for
//     crypto to crypto, by the market value of what was given (of what was
//     received when the given asset has no price).
//   - A trade fee in the report currency or another fiat adds to the cost
//     of the acquisition or is deducted from the proceeds of the disposal.
//     A fee paid in crypto is also a disposal of the fee quantity at market
//     value (cointally.Txn's contract). A fee paid in fee credits (KFEE)
//     is worth nothing by default (Options.FeeCredits).
//   - Income (staking and Earn rewards, airdrops, bonuses) is valued at
//     market value when received and becomes a lot at that value.
//   - Moves between the owner's wallets (staking, Earn, Futures, migration,
//     the ETH2 conversion) are never disposals. What comes back from the
//     Futures wallet beyond what went in is acquired at market value.
//   - A withdrawal moves crypto to a wallet cointally does not see: it stays
//     the owner's (no disposal; holdings show it as held elsewhere). Its
//     fee is a disposal (Options.WithdrawalFee). A later deposit of the same
//     asset first brings such units back; anything beyond is an
//     acquisition of unknown cost, valued at market value by default
//     (Options.DepositCost) and flagged.
//   - An adjustment (a delisting's forced conversion) disposes of the
//     crypto it takes at market value and acquires the crypto it gives.
//   - Margin profit and loss and margin and rollover fees are margin
//     results; paid or received in crypto they are also disposals or
//     acquisitions at market value.
//   - An unclassified (quarantined) group is never valued into the books:
//     it is listed with its amounts and approximate value, and every report
//     it could affect says so at the top.
//
// A value that needs a price nobody has is zero and flagged
// (cointally.Txn.ValueUnknown), with a warning in the reports.
package report
