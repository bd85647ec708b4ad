package krakensim

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// HistorySpec says how large a generated history is and which period it
// covers. Entries is a target: the real count may differ slightly. Zero From
// and To mean DefaultHistorySpec's; one zero bound is eight years from the
// other.
type HistorySpec struct {
	Entries  int
	From, To time.Time
}

// DefaultHistorySpec covers 2018-01-01 to 2025-12-31 (UTC), a span that
// contains every era the generator knows.
func DefaultHistorySpec(entries int) HistorySpec {
	return HistorySpec{Entries: entries, From: date(2018, 1, 1), To: date(2025, 12, 31).Add(24*time.Hour - time.Second)}
}

// Eras of the generated world (each a documented or observed Kraken change;
// where Kraken gives no year, the choice is ours).
var (
	// Funding refids switch from "Q…"/"A…" to mixed-case "FT…" (Kraken: "after
	// Aug-15", year unstated).
	eraFT = StampOf(date(2023, 8, 15))
	// Legacy staking (transfer/staking rows, .S/.M assets) gives way to Earn
	// ("earn" rows, .B/.F assets, the migration).
	eraEarn = StampOf(date(2023, 11, 15))
	// Trade rows carry subtype "tradespot" (seen in 2024-25 exports).
	eraTradespot = StampOf(date(2024, 1, 1))
	// Staking products open.
	eraDOTStaking = StampOf(date(2020, 9, 1))
	eraETH2       = StampOf(date(2020, 12, 15))
	eraOptIn      = StampOf(date(2021, 6, 1)) // XBT.M / USD.M opt-in rewards
)

// Ledger types and subtypes, interned.
const (
	tTrade      = "trade"
	tDeposit    = "deposit"
	tWithdrawal = "withdrawal"
	tTransfer   = "transfer"
	tStaking    = "staking"
	tEarn       = "earn"
	tSpend      = "spend"
	tReceive    = "receive"
	tAdjustment = "adjustment"
	tMargin     = "margin"
	tRollover   = "rollover"
	tInvite     = "invite bonus"

	sTradespot       = "tradespot"
	sSpotToStaking   = "spottostaking"
	sStakingFromSpot = "stakingfromspot"
	sStakingToSpot   = "stakingtospot"
	sSpotFromStaking = "spotfromstaking"
	sSpotToFutures   = "spottofutures"
	sSpotFromFutures = "spotfromfutures"
	sAllocation      = "allocation"
	sDeallocation    = "deallocation"
	sAutoallocation  = "autoallocation"
	sAutoallocate    = "autoallocate" // the spelling Kraken's support text uses; appears now and then
	sReward          = "reward"
	sMigration       = "migration"
)

// Asset indexes into assetTable.
var (
	aXBT, aETH, aXDG, aLTC, aBCH, aEUR, aUSD, aGBP, aDOT, aSOL, aADA, aUSDC, aUSDT, aUST, aKFEE int
	aDOTS, aDOTB, aETH2S, aETH2, aXBTM, aUSDM, aXBTF, aETHF, aSOLF                              int
)

func init() {
	for _, x := range []struct {
		p  *int
		id string
	}{
		{&aXBT, "XXBT"}, {&aETH, "XETH"}, {&aXDG, "XXDG"}, {&aLTC, "XLTC"}, {&aBCH, "BCH"},
		{&aEUR, "ZEUR"}, {&aUSD, "ZUSD"}, {&aGBP, "ZGBP"}, {&aDOT, "DOT"}, {&aSOL, "SOL"},
		{&aADA, "ADA"}, {&aUSDC, "USDC"}, {&aUSDT, "USDT"}, {&aUST, "UST"}, {&aKFEE, "KFEE"},
		{&aDOTS, "DOT.S"}, {&aDOTB, "DOT.B"}, {&aETH2S, "ETH2.S"}, {&aETH2, "ETH2"},
		{&aXBTM, "XBT.M"}, {&aUSDM, "USD.M"}, {&aXBTF, "XBT.F"}, {&aETHF, "ETH.F"}, {&aSOLF, "SOL.F"},
	} {
		i, ok := assetIndex[x.id]
		if !ok {
			panic("krakensim: catalogue lacks " + x.id)
		}
		*x.p = i
	}
}

// simState is what an Account remembers of its generator so that
// AddActivity continues it: the ID counters and the per-pair trade_id.
type simState struct {
	ids      idGen
	tradeSeq []int64
}

// gen builds one account's history.
type gen struct {
	m   *Market
	rng rng
	a   *Account
	st  *simState
	bal []int64

	from, to Stamp
	end      Stamp // random events stop here, leaving room for follow-ups before To
	last     Stamp // time of the latest group
	want     Stamp // earliest time for the next group
	burst    Stamp // largest step between groups of one event
	groups   int

	queue   []queued             // timed follow-ups (reversals, rollovers, ...), by time
	ledArea []string             // backing store for Trade.Ledgers
	rare    bool                 // the history includes the scripted rare events
	taken   func(id string) bool // if set, IDs it reports as used are skipped
}

type queued struct {
	at Stamp
	fn func(t Stamp)
}

// Generate builds an account's history, deterministic from (seed, accountID,
// spec), priced from m: every fill's price is m's price at the fill time.
// Entries, Trades, Open and Funding are in ascending time order, Closed in
// ascending close (and open) time; the indexes are filled.
//
// Whenever spec.Entries is at least about 200 the history has every shape of
// QUIRKS.md: fiat and crypto deposits and withdrawals with fees and Funding
// records (on-chain txid, address, network); one failed withdrawal (two
// entries with one refid that cancel out: the reversal, three hours later,
// has amount +X and fee -F); spot trades on fiat and crypto-crypto pairs
// (subtype "tradespot" from 2024, "" before; the fee on the quote leg, on the
// base leg, or on a separate KFEE entry); one fill drawing from two wallets
// (XXBT and XBT.F); orders with several fills, canceled (unfilled and
// partly filled) and open orders; instant buys (spend/receive, one after a
// card deposit); legacy staking transfers (spottostaking/stakingfromspot and
// back, each leg its own refid, seconds apart) and staking rewards on DOT.S,
// XBT.M, USD.M and ETH2.S; the 2023 ETH2.S -> ETH2 conversion (two staking
// rows, the ETH2.S one negative); Earn allocation, deallocation,
// autoallocation (now and then spelt autoallocate), reward and migration
// (DOT.S -> DOT.B, XBT.M -> XBT.F); Futures transfers; a BCH airdrop
// (transfer, empty subtype); a delisting (UST zeroed and EUR credited by two
// unpaired adjustments four days apart); margin positions (an opening fee
// row, rollover rows every four hours, a P/L row and a closing fee row, all
// with the position's refid, as Kraken writes them); an invite bonus. The
// rare events happen at their real dates when the history spans 2018-09 to
// 2024-10, else at the same relative places of the span.
//
// Invariants: per asset, Balance = previous Balance + Amount - Fee from 0,
// never negative; the entries of one refid share one time, except a failed
// withdrawal's reversal and margin positions; distinct groups have strictly
// increasing times within [From, To] (a history too dense for its span
// stops short of Entries).
func Generate(m *Market, seed int64, accountID string, spec HistorySpec) *Account {
	const eightYears = 8 * 365 * 24 * time.Hour
	switch {
	case spec.From.IsZero() && spec.To.IsZero():
		d := DefaultHistorySpec(spec.Entries)
		spec.From, spec.To = d.From, d.To
	case spec.From.IsZero():
		spec.From = spec.To.Add(-eightYears)
	case spec.To.IsZero():
		spec.To = spec.From.Add(eightYears)
	}
	if !spec.To.After(spec.From) {
		spec.To = spec.From.Add(24 * time.Hour)
	}
	target := max(spec.Entries, 1)
	a := &Account{ID: accountID}
	a.Entries = make([]Entry, 0, target+target/32+64)
	a.Trades = make([]Trade, 0, target/2+16)
	a.Closed = make([]Order, 0, target/3+16)
	st := &simState{ids: newIDGen(seed, accountID), tradeSeq: make([]int64, len(pairTable))}
	a.sim = st
	g := &gen{
		m:    m,
		rng:  newRNG(seed, accountID),
		a:    a,
		st:   st,
		bal:  make([]int64, len(assetTable)),
		from: StampOf(spec.From),
		to:   StampOf(spec.To),
		rare: spec.Entries >= 200,
	}
	g.end = g.to - min((g.to-g.from)/100, 3*86400_0000)
	g.last = g.from
	g.want = g.from
	g.run(target)
	a.reindex()
	return a
}

// run is the main loop: random events paced to reach target entries a
// little before To, with the scripted rare events and queued follow-ups at
// their times.
func (g *gen) run(target int) {
	script := g.script()
	next := 0
	const never = Stamp(1<<62 - 1)
	for {
		n := len(g.a.Entries)
		done := n >= target
		fixed := never
		if next < len(script) {
			fixed = script[next].at
		}
		if len(g.queue) > 0 && g.queue[0].at < fixed {
			fixed = g.queue[0].at
		}
		if done && fixed == never {
			break
		}
		// Pace: spread the remaining groups over the remaining time.
		perGroup := 2.1
		if g.groups > 50 {
			perGroup = float64(n) / float64(g.groups)
		}
		groupsLeft := int64(float64(max(target-n, 1))/perGroup) + 1
		gap := max(int64(g.end-g.last)/(groupsLeft+1), 1)
		g.burst = Stamp(min(max(gap/8, 1), 600_0000))
		t := g.last + 1 + Stamp(g.rng.int63n(max(gap*3/2, 1))+gap/4)
		switch {
		case fixed <= t || (done || g.last >= g.end) && fixed != never:
			g.want = max(fixed, g.last+1)
			if len(g.queue) > 0 && g.queue[0].at == fixed {
				q := g.queue[0]
				g.queue = g.queue[1:]
				q.fn(g.want)
			} else {
				script[next].fn(g.want)
				next++
			}
		case g.last >= g.end:
			// Out of time before reaching the target: stop short.
			g.openOrders()
			return
		default:
			g.want = min(t, g.end)
			g.randomEvent(g.want)
		}
	}
	g.openOrders()
}

// at returns the time for the next group and records it.
func (g *gen) at() Stamp {
	t := max(g.want, g.last+1)
	if g.groups > 0 && t == g.last+1 {
		t += Stamp(g.rng.int63n(int64(g.burst)))
	}
	if t > g.to {
		t = max(g.to, g.last+1)
	}
	g.last = t
	g.want = t
	g.groups++
	return t
}

// shortly returns d, or less when groups must follow each other faster
// (dense histories, live activity): a follow-up group of the same event.
func (g *gen) shortly(d Stamp) Stamp { return max(min(d, g.burst), 1) }

// after schedules fn for time t (clamped into the history).
func (g *gen) after(t Stamp, fn func(Stamp)) {
	t = min(t, g.to-1)
	i := sort.Search(len(g.queue), func(i int) bool { return g.queue[i].at > t })
	g.queue = append(g.queue, queued{})
	copy(g.queue[i+1:], g.queue[i:])
	g.queue[i] = queued{at: t, fn: fn}
}

// entry appends one ledger entry and returns its ID.
func (g *gen) entry(ref string, t Stamp, typ, sub string, asset int, amount, fee int64) string {
	b := g.bal[asset] + amount - fee
	if b < 0 {
		panic(fmt.Sprintf("krakensim: generator bug: %s balance would go negative (%s %s %d %d, balance %d)",
			assetTable[asset].ID, typ, sub, amount, fee, g.bal[asset]))
	}
	g.bal[asset] = b
	id := g.id(IDLedger)
	g.a.Entries = append(g.a.Entries, Entry{ID: id, RefID: ref, Time: t, Type: typ, Subtype: sub,
		Aclass: "currency", Asset: assetTable[asset].ID, Amount: amount, Fee: fee, Balance: b})
	return id
}

// id returns a new ID of the given kind.
func (g *gen) id(kind IDKind) string {
	id := g.st.ids.next(kind)
	for g.taken != nil && g.taken(id) {
		id = g.st.ids.next(kind)
	}
	return id
}

func (g *gen) modern(t Stamp) bool { return t >= eraFT }

// ref returns a refid of the given pre-cut-over kind, or an FT refid after it.
func (g *gen) ref(t Stamp, old IDKind) string {
	if g.modern(t) {
		return g.id(IDFundingRef)
	}
	return g.id(old)
}

// ---------------------------------------------------------------------------
// Amounts

// usdToUnits converts usd (10^-4 USD) into units of asset at t (0 for
// assets without a price).
func (g *gen) usdToUnits(asset int, usd int64, t Stamp) int64 {
	prof := profileOf[asset]
	var pico int64
	switch prof {
	case profNone:
		return 0
	case profUSD:
		pico = 1e12
	default:
		pico = g.m.usdPico(prof, t.seconds())
	}
	if pico <= 0 {
		return 0
	}
	return mulDivFloor(usd, pow10[assetTable[asset].Decimals+8], pico)
}

func (g *gen) usdValue(asset int, amount int64, t Stamp) int64 {
	return g.m.usdValue(asset, amount, t.seconds())
}

func (s Stamp) seconds() float64 { return float64(s) / 1e4 }

// randomUSD draws a log-uniform amount between lo and hi whole USD, in 10^-4 USD.
func (g *gen) randomUSD(lo, hi int64) int64 {
	return g.rng.logUniform(lo*1e4, hi*1e4)
}

// ensure makes asset's balance at least need, funding the gap (plus a
// margin) with whatever is natural for the asset: a bank deposit, an
// on-chain deposit, a stake or an Earn allocation, a fee-credit deposit.
func (g *gen) ensure(asset int, need int64) {
	if g.bal[asset] >= need {
		return
	}
	gap := need - g.bal[asset]
	gap += gap/5 + 1
	a := assetTable[asset]
	switch {
	case asset == aKFEE:
		g.kfeeCredit(max(gap, 500000))
	case asset == aUST:
		g.ensure(aUSD, 0)
		g.buyUST(gap)
	case a.Base == "":
		if a.Fiat {
			g.fiatDeposit(asset, roundUp(gap, 10000), "")
		} else {
			g.cryptoDeposit(asset, gap)
		}
	case asset == aETH2:
		g.ensure(aETH2S, gap)
		g.eth2Convert(gap)
	default:
		base := assetIndex[a.Base]
		g.ensure(base, gap)
		switch asset {
		case aDOTB:
			g.earnMove(aDOT, aDOTB, gap, sAllocation)
		case aXBTF, aETHF, aSOLF:
			g.earnMove(base, asset, gap, sAutoallocation)
		default: // .S, .M: legacy stake
			g.stake(base, asset, gap)
		}
	}
}

func roundUp(v, unit int64) int64 { return (v + unit - 1) / unit * unit }

// ---------------------------------------------------------------------------
// Funding

type cryptoNet struct {
	method, network string
	wdFee           int64 // in the asset's units
	addr            func(g *gen) string
	txid            func(g *gen) string
}

func (g *gen) hex(n int) string { return g.rng.str(n, "0123456789abcdef") }
func (g *gen) base58(n int) string {
	return g.rng.str(n, "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
}
func (g *gen) bech32(n int) string { return g.rng.str(n, "qpzry9x8gf2tvdw0s3jn54khce6mua7l") }
func (g *gen) hexTx() string       { return g.hex(64) }
func (g *gen) ethTx() string       { return "0x" + g.hex(64) }
func (g *gen) ethAddr() string     { return "0x" + g.hex(40) }
func (g *gen) solSig() string      { return g.base58(87) }
func (g *gen) btcAddr() string     { return "bc1q" + g.bech32(38) }
func (g *gen) ltcAddr() string     { return "ltc1q" + g.bech32(38) }
func (g *gen) dogeAddr() string    { return "D" + g.base58(33) }
func (g *gen) dotAddr() string     { return "1" + g.base58(47) }
func (g *gen) solAddr() string     { return g.base58(44) }
func (g *gen) adaAddr() string     { return "addr1q" + g.bech32(92) }
func (g *gen) bchAddr() string     { return "bitcoincash:q" + g.bech32(41) }
func (g *gen) ibanMasked() string  { return "DE** **** **** **** **" + g.rng.str(2, "0123456789") }
func (g *gen) walletKey(id string) string {
	return id + "-wallet-" + g.rng.str(1, "123")
}

var cryptoNets = map[string]cryptoNet{
	"XXBT": {"Bitcoin", "Bitcoin", 1_500_000, (*gen).btcAddr, (*gen).hexTx},
	"XETH": {"Ether (Hex)", "Ethereum", 25_000_000, (*gen).ethAddr, (*gen).ethTx},
	"XXDG": {"Dogecoin", "Dogecoin", 400_000_000, (*gen).dogeAddr, (*gen).hexTx},
	"XLTC": {"Litecoin", "Litecoin", 10_000_000, (*gen).ltcAddr, (*gen).hexTx},
	"BCH":  {"Bitcoin Cash", "Bitcoin Cash", 1_000_000, (*gen).bchAddr, (*gen).hexTx},
	"DOT":  {"Polkadot", "Polkadot", 500_000_000, (*gen).dotAddr, (*gen).ethTx},
	"SOL":  {"Solana", "Solana", 100_000_000, (*gen).solAddr, (*gen).solSig},
	"ADA":  {"ADA", "Cardano", 15_000_000, (*gen).adaAddr, (*gen).hexTx},
	"USDC": {"USDC", "Ethereum", 250_000_000, (*gen).ethAddr, (*gen).ethTx},
	"USDT": {"Tether USD (ERC20)", "Ethereum", 250_000_000, (*gen).ethAddr, (*gen).ethTx},
	"UST":  {"UST", "Terra", 50_000_000, (*gen).ethAddr, (*gen).hexTx},
}

func fiatMethod(asset int, withdraw bool) (method string, fee int64) {
	switch asset {
	case aUSD:
		if withdraw {
			return "Bank Frick (Wire)", 50000
		}
		return "Bank Frick (Wire)", 0
	case aGBP:
		return "Clear Junction (FPS/BACS)", 0
	}
	if withdraw {
		return "SEPA", 900
	}
	return "SEPA", 0
}

// fiatDeposit credits amount of a fiat asset by bank transfer (or card, when
// method is "card").
func (g *gen) fiatDeposit(asset int, amount int64, how string) string {
	t := g.at()
	ref := g.ref(t, IDDepositRef)
	method, fee := fiatMethod(asset, false)
	if how == "card" {
		method = "Credit/Debit Card"
	}
	g.entry(ref, t, tDeposit, "", asset, amount, fee)
	g.a.Funding = append(g.a.Funding, Funding{Kind: "deposit", RefID: ref, Asset: assetTable[asset].ID,
		Method: method, Aclass: "currency", Amount: amount, Fee: fee, Time: t.Unix(), Status: "Success",
		TxID: g.rng.str(12, base32Digits), Info: g.ibanMasked()})
	return ref
}

func (g *gen) fiatWithdrawal(asset int, amount int64) {
	method, fee := fiatMethod(asset, true)
	g.ensure(asset, amount+fee)
	t := g.at()
	ref := g.ref(t, IDWithdrawRef)
	g.entry(ref, t, tWithdrawal, "", asset, -amount, fee)
	g.a.Funding = append(g.a.Funding, Funding{Kind: "withdrawal", RefID: ref, Asset: assetTable[asset].ID,
		Method: method, Aclass: "currency", Amount: amount, Fee: fee, Time: t.Unix(), Status: "Success",
		TxID: g.rng.str(12, base32Digits), Info: g.ibanMasked(), Key: "my-bank-" + assetTable[asset].Altname})
}

func (g *gen) cryptoDeposit(asset int, amount int64) {
	net, ok := cryptoNets[assetTable[asset].ID]
	if !ok {
		panic("krakensim: no network for " + assetTable[asset].ID)
	}
	t := g.at()
	ref := g.ref(t, IDDepositRef)
	g.entry(ref, t, tDeposit, "", asset, amount, 0)
	g.a.Funding = append(g.a.Funding, Funding{Kind: "deposit", RefID: ref, Asset: assetTable[asset].ID,
		Method: net.method, Network: net.network, Aclass: "currency", Amount: amount, Time: t.Unix(),
		Status: "Success", TxID: net.txid(g), Info: net.addr(g)})
}

// cryptoWithdrawal sends amount (fee on top) on chain. A failed one is
// reversed three hours later by an entry with the same refid.
func (g *gen) cryptoWithdrawal(asset int, amount int64, failed bool) {
	id := assetTable[asset].ID
	net := cryptoNets[id]
	fee := net.wdFee
	g.ensure(asset, amount+fee)
	t := g.at()
	ref := g.ref(t, IDWithdrawRef)
	g.entry(ref, t, tWithdrawal, "", asset, -amount, fee)
	f := Funding{Kind: "withdrawal", RefID: ref, Asset: id, Method: net.method, Network: net.network,
		Aclass: "currency", Amount: amount, Fee: fee, Time: t.Unix(), Status: "Success",
		TxID: net.txid(g), Info: net.addr(g), Key: g.walletKey(assetTable[asset].Altname)}
	if failed {
		f.Status, f.StatusProp, f.TxID = "Failure", "canceled", ""
		g.after(t+3*3600_0000+Stamp(g.rng.int63n(3600_0000)), func(Stamp) {
			rt := g.at()
			g.entry(ref, rt, tWithdrawal, "", asset, amount, -fee)
		})
	}
	g.a.Funding = append(g.a.Funding, f)
}

// kfeeCredit deposits fee credits (a promotion; no Funding record).
func (g *gen) kfeeCredit(units int64) {
	t := g.at()
	g.entry(g.ref(t, IDDepositRef), t, tDeposit, "", aKFEE, units, 0)
}

// ---------------------------------------------------------------------------
// Trades and orders

type feeMode uint8

const (
	feeQuote feeMode = iota // fciq
	feeBase                 // fcib
	feeKFEE
)

type orderPlan struct {
	pair      int
	buy       bool
	orderType string // "limit" | "market"
	fills     []int64
	mode      feeMode
	rate      int64 // fee rate in 10^-6
	cancel    int64 // unfilled volume of a canceled order (lot units); 0 = fully filled
	twoWallet int   // if >= 0: a sell drawing its base from spot and this variant too
}

func (g *gen) subtypeTrade(t Stamp) string {
	if t >= eraTradespot {
		return sTradespot
	}
	return ""
}

// scale returns 10^n for n >= 0.
func scale(n int) int64 {
	if n < 0 {
		panic("krakensim: negative scale")
	}
	return pow10[n]
}

// cost returns price*vol in units of the pair's quote asset.
func pairCost(p *PairInfo, price, vol int64) int64 {
	q := &assetTable[assetIndex[p.Quote]]
	return mulDivRound(price, vol, scale(p.PairDecimals+p.LotDecimals-q.Decimals))
}

// execute runs an order plan: its fills (one group each) and the order
// record. It returns false (and emits nothing) if the plan is not feasible.
func (g *gen) execute(op orderPlan) bool {
	p := &pairTable[op.pair]
	bi, qi := pairBaseIdx[op.pair], pairQuoteIdx[op.pair]
	bScale := scale(assetTable[bi].Decimals - p.LotDecimals)
	first := true
	var ord Order
	var prevLast Stamp
	for fi, vol := range op.fills {
		if vol <= 0 {
			continue
		}
		// Price and cost at the fill time: take the time first, then check
		// funds; give the time back (no group) if they fall short.
		savedLast, savedWant, savedGroups := g.last, g.want, g.groups
		t := g.at()
		price := g.m.pairPrice(op.pair, t.seconds())
		cost := int64(0)
		if price > 0 {
			cost = pairCost(p, price, vol)
		}
		baseAmt := vol * bScale
		feeQ := mulDivRound(cost, op.rate, 1e6)
		feeB := mulDivRound(baseAmt, op.rate, 1e6)
		mode := op.mode
		var kfee int64
		if mode == feeKFEE {
			kfee = g.usdValue(qi, feeQ, t)
			if kfee <= 0 || kfee > g.bal[aKFEE] {
				mode = feeQuote
			}
		}
		ok := cost > 0
		if !ok {
			// Too small to cost anything at this price.
		} else if op.buy {
			need := cost
			if mode == feeQuote {
				need += feeQ
			}
			ok = g.bal[qi] >= need
		} else {
			need := baseAmt
			if mode == feeBase {
				need += feeB
			}
			have := g.bal[bi]
			if op.twoWallet >= 0 {
				have += g.bal[op.twoWallet]
			}
			ok = have >= need
		}
		if !ok {
			g.last, g.want, g.groups = savedLast, savedWant, savedGroups
			if first {
				return false
			}
			op.cancel += vol
			for _, v := range op.fills[fi+1:] {
				op.cancel += v
			}
			break
		}
		if first {
			first = false
			prevLast = savedLast
			ord = Order{ID: g.id(IDOrder), Pair: p.ID, OrderType: op.orderType, Oflags: "fciq"}
			if mode == feeBase {
				ord.Oflags = "fcib"
			}
			if op.orderType == "limit" && g.rng.chance(30) {
				ord.Oflags = "post," + ord.Oflags
			}
			ord.Type = "sell"
			if op.buy {
				ord.Type = "buy"
			}
			// Opened between the previous group and this fill.
			room := int64(t - prevLast - 1)
			var lead int64
			if op.orderType == "market" {
				lead = 1 + g.rng.int63n(5000)
			} else {
				lead = 1 + g.rng.int63n(2*3600_0000)
			}
			ord.OpenTm = t - Stamp(min(lead, max(room, 0)))
		}
		sub := g.subtypeTrade(t)
		tid := g.id(IDTrade)
		led := g.ledgers(3)
		var qFee, bFee int64
		switch mode {
		case feeQuote:
			qFee = feeQ
		case feeBase:
			bFee = feeB
		}
		if op.buy {
			led = append(led, g.entry(tid, t, tTrade, sub, qi, -cost, qFee))
			led = append(led, g.entry(tid, t, tTrade, sub, bi, baseAmt, bFee))
		} else {
			if op.twoWallet >= 0 {
				// Spot first, the rest from the variant wallet.
				spot := min(g.bal[bi]-bFee, baseAmt)
				spot = spot / bScale * bScale
				if spot > 0 {
					led = append(led, g.entry(tid, t, tTrade, sub, bi, -spot, bFee))
					bFee = 0
				}
				led = append(led, g.entry(tid, t, tTrade, sub, op.twoWallet, -(baseAmt-spot), bFee))
			} else {
				led = append(led, g.entry(tid, t, tTrade, sub, bi, -baseAmt, bFee))
			}
			led = append(led, g.entry(tid, t, tTrade, sub, qi, cost, qFee))
		}
		if mode == feeKFEE {
			led = append(led, g.entry(tid, t, tTrade, sub, aKFEE, 0, kfee))
		}
		maker := op.orderType == "limit" && g.rng.chance(75)
		g.a.Trades = append(g.a.Trades, Trade{ID: tid, OrderID: ord.ID, Pair: p.ID, Time: t, Type: ord.Type,
			OrderType: op.orderType, Price: price, Cost: cost, Fee: feeQ, Vol: vol, Maker: maker,
			TradeID: g.nextTradeID(op.pair, t), Ledgers: led})
		ord.Trades = append(ord.Trades, tid)
		ord.VolExec += vol
		ord.Cost += cost
		ord.Fee += feeQ
		if op.orderType == "limit" {
			if ord.Price == 0 || (op.buy && price > ord.Price) || (!op.buy && price < ord.Price) {
				ord.Price = price
			}
		}
		ord.CloseTm = t
		// Further fills of the order follow within a short burst.
		g.want = t + 1 + Stamp(g.rng.int63n(int64(g.burst)))
	}
	if first {
		return false
	}
	ord.Vol = ord.VolExec + op.cancel
	ord.AvgPrice = mulDivRound(ord.Cost, scale(p.PairDecimals+p.LotDecimals-assetTable[qi].Decimals), ord.VolExec)
	ord.Status = "closed"
	if op.cancel > 0 {
		ord.Status, ord.Reason = "canceled", "User requested"
		ord.CloseTm = g.at() // the cancel is its own moment, with no entry
	}
	g.a.Closed = append(g.a.Closed, ord)
	return true
}

// ledgers returns an empty slice with room for n IDs, carved from a shared
// backing array.
func (g *gen) ledgers(n int) []string {
	if cap(g.ledArea)-len(g.ledArea) < n {
		g.ledArea = make([]string, 0, 4096)
	}
	s := g.ledArea[len(g.ledArea) : len(g.ledArea) : len(g.ledArea)+n]
	g.ledArea = g.ledArea[:len(g.ledArea)+n]
	return s
}

// nextTradeID returns the pair's next public trade_id: it grows with time
// (about one id per 8 s since listing) and never repeats.
func (g *gen) nextTradeID(pi int, t Stamp) int64 {
	est := (t.Unix() - pairListedStamp[pi].Unix()) / 8
	id := max(est, g.st.tradeSeq[pi]+1)
	g.st.tradeSeq[pi] = id
	return id
}

// canceledOrder records an order that was canceled (or expired) unfilled.
func (g *gen) canceledOrder(pi int, t Stamp) {
	p := &pairTable[pi]
	price := g.m.pairPrice(pi, t.seconds())
	buy := g.rng.chance(50)
	limit := price * 97 / 100
	if !buy {
		limit = price * 103 / 100
	}
	limit = max(limit, 1)
	vol := g.volForUSD(pi, g.randomUSD(50, 3000), t)
	open := g.last + 1 + Stamp(g.rng.int63n(max(int64(t-g.last)/2, 1)))
	ct := g.at()
	o := Order{ID: g.id(IDOrder), Status: "canceled", Reason: "User requested", OpenTm: open,
		CloseTm: ct, Pair: p.ID, Type: "sell", OrderType: "limit", Price: limit, Vol: vol, Oflags: "fciq"}
	if buy {
		o.Type = "buy"
	}
	if g.rng.chance(15) {
		o.Status, o.Reason = "expired", ""
	}
	g.a.Closed = append(g.a.Closed, o)
}

// volForUSD returns the pair's volume (lot units) worth usd (10^-4 USD).
func (g *gen) volForUSD(pi int, usd int64, t Stamp) int64 {
	p := &pairTable[pi]
	bi := assetIndex[p.Base]
	units := g.usdToUnits(bi, usd, t)
	return max(units/scale(assetTable[bi].Decimals-p.LotDecimals), 1)
}

// tradePairs: the pairs random trades use, with weights.
var tradePairs = []struct {
	id string
	w  int
}{
	{"XXBTZEUR", 30}, {"XETHZEUR", 15}, {"XXBTZUSD", 6}, {"XETHZUSD", 4}, {"XETHXXBT", 5},
	{"DOTEUR", 6}, {"SOLEUR", 5}, {"ADAEUR", 5}, {"XDGEUR", 4}, {"XLTCZEUR", 3}, {"USDCEUR", 3},
	{"USDTZUSD", 2}, {"DOTXBT", 2}, {"SOLXBT", 1}, {"ADAETH", 1}, {"XBTUSDT", 1}, {"BCHEUR", 1},
	{"XXBTZGBP", 1}, {"XLTCXXBT", 1}, {"XXDGXXBT", 1}, {"DOTETH", 1}, {"USDCUSDT", 1},
}

var tradePairIdx []int

func init() {
	for _, tp := range tradePairs {
		tradePairIdx = append(tradePairIdx, pairIndex[tp.id])
	}
}

func pairListedAt(pi int, t Stamp) bool { return pairListedStamp[pi] <= t }

// randomTrade plans and runs an order on a listed pair.
func (g *gen) randomTrade(t Stamp) {
	total := 0
	for k, tp := range tradePairs {
		if pairListedAt(tradePairIdx[k], t) {
			total += tp.w
		}
	}
	r := g.rng.intn(total)
	pi := tradePairIdx[0]
	for k, tp := range tradePairs {
		if !pairListedAt(tradePairIdx[k], t) {
			continue
		}
		if r < tp.w {
			pi = tradePairIdx[k]
			break
		}
		r -= tp.w
	}
	g.tradeOn(pi, t)
}

func (g *gen) tradeOn(pi int, t Stamp) {
	p := &pairTable[pi]
	bi, qi := pairBaseIdx[pi], pairQuoteIdx[pi]
	bScale := scale(assetTable[bi].Decimals - p.LotDecimals)
	minVol := g.volForUSD(pi, 10*1e4, t) // about 10 USD
	baseLots := g.bal[bi] / bScale
	sell := baseLots > 2*minVol && g.rng.chance(45)
	op := orderPlan{pair: pi, buy: !sell, twoWallet: -1, rate: 2600}
	op.orderType = "market"
	if g.rng.chance(60) {
		op.orderType = "limit"
	}
	if op.orderType == "limit" && g.rng.chance(75) {
		op.rate = 1600
	}
	if t >= StampOf(date(2021, 1, 1)) && g.rng.chance(20) {
		op.rate -= 200 // a better volume tier
	}
	switch r := g.rng.intn(100); {
	case g.bal[aKFEE] > 0 && r < 50:
		op.mode = feeKFEE
	case r < 80:
		op.mode = feeQuote
	default:
		op.mode = feeBase
	}
	var vol int64
	if sell {
		frac := int64(100 + g.rng.intn(700)) // per mille
		if g.rng.chance(10) {
			frac = 1000
			if op.mode == feeBase {
				op.mode = feeQuote
			}
		}
		vol = mulDivFloor(baseLots, frac, 1000)
		if op.mode == feeBase {
			// Leave room for the fee in the base asset.
			vol = min(vol, mulDivFloor(baseLots, 1e6, 1e6+op.rate)-1)
		}
	} else {
		qa := assetTable[qi]
		// Spend a share of the quote balance; top fiat up when it is thin.
		want := g.usdToUnits(qi, g.randomUSD(20, 4000), t)
		if g.bal[qi] < want+want/50 {
			if !qa.Fiat {
				if baseLots > 2*minVol {
					g.tradeOnSell(pi, t)
				} else {
					g.randomFunding(t)
				}
				return
			}
			g.fiatDeposit(qi, roundUp(want*2-g.bal[qi], 1_0000*100), "")
			g.want = g.last + 1 + Stamp(g.rng.int63n(int64(g.burst)))
		}
		price := g.m.pairPrice(pi, t.seconds())
		if price <= 0 {
			return
		}
		vol = mulDivFloor(want, scale(p.PairDecimals+p.LotDecimals-qa.Decimals), price)
	}
	if vol < max(minVol, 1) {
		return
	}
	op.fills = splitFills(g, vol, op.orderType)
	if !op.buy || g.rng.chance(97) {
		g.execute(op)
		return
	}
	// Now and then a buy is canceled after part of it filled.
	op.cancel = vol / 2
	op.fills = splitFills(g, vol-op.cancel, op.orderType)
	g.execute(op)
}

func (g *gen) tradeOnSell(pi int, t Stamp) {
	p := &pairTable[pi]
	bi := assetIndex[p.Base]
	bScale := scale(assetTable[bi].Decimals - p.LotDecimals)
	vol := mulDivFloor(g.bal[bi]/bScale, int64(200+g.rng.intn(600)), 1000)
	if vol <= 0 {
		return
	}
	op := orderPlan{pair: pi, twoWallet: -1, rate: 2600, orderType: "market", mode: feeQuote}
	op.fills = []int64{vol}
	g.execute(op)
}

// splitFills splits vol into 1-3 fills.
func splitFills(g *gen, vol int64, orderType string) []int64 {
	n := 1
	r := g.rng.intn(100)
	if orderType == "limit" {
		if r < 10 {
			n = 3
		} else if r < 30 {
			n = 2
		}
	} else if r < 8 {
		n = 2
	}
	if vol < int64(n)*10 {
		n = 1
	}
	fills := make([]int64, n)
	rest := vol
	for i := 0; i < n-1; i++ {
		f := mulDivFloor(vol, int64(200+g.rng.intn(400)), 1000)
		f = max(min(f, rest-int64(n-i-1)), 1)
		fills[i] = f
		rest -= f
	}
	fills[n-1] = rest
	return fills
}

// ---------------------------------------------------------------------------
// Instant buys, staking, Earn, transfers

// instantBuy: spend fiat, receive crypto (one refid, one time), as the Buy
// Crypto button and the app record it; card buys add a fiat deposit first.
func (g *gen) instantBuy(t Stamp, card bool) {
	choices := []string{"XXBTZEUR", "XETHZEUR", "SOLEUR", "DOTEUR", "ADAEUR", "XDGEUR", "USDCEUR"}
	var pi int
	for tries := 0; ; tries++ {
		pi = pairIndex[choices[g.rng.intn(len(choices))]]
		if pairListedAt(pi, t) || tries > 10 {
			break
		}
	}
	if !pairListedAt(pi, t) {
		pi = pairIndex["XXBTZEUR"]
	}
	p := &pairTable[pi]
	bi, qi := assetIndex[p.Base], assetIndex[p.Quote]
	spend := roundUp(g.usdToUnits(qi, g.randomUSD(20, 1500), t), 100)
	fee := mulDivRound(spend, 15000, 1e6) // 1.5 %
	if card {
		g.fiatDeposit(qi, spend+fee, "card")
	} else {
		g.ensure(qi, spend+fee)
	}
	tt := g.at()
	price := g.m.pairPrice(pi, tt.seconds())
	recv := mulDivFloor(spend, scale(p.PairDecimals+assetTable[bi].Decimals-assetTable[qi].Decimals), price)
	recv -= recv / 100 // spread
	if recv <= 0 {
		recv = 1
	}
	ref := g.id(IDTrade)
	g.entry(ref, tt, tSpend, "", qi, -spend, fee)
	g.entry(ref, tt, tReceive, "", bi, recv, 0)
}

// stake moves x from a base asset to its legacy staking variant: two
// transfer entries with their own refids, seconds apart.
func (g *gen) stake(base, variant int, x int64) {
	g.ensure(base, x)
	t := g.at()
	g.entry(g.ref(t, IDOutRef), t, tTransfer, sSpotToStaking, base, -x, 0)
	g.want = t + g.shortly(50000+Stamp(g.rng.int63n(300000))) // 5-35 s later
	t2 := g.at()
	g.entry(g.ref(t2, IDInRef), t2, tTransfer, sStakingFromSpot, variant, x, 0)
}

func (g *gen) unstake(variant, base int, x int64) {
	g.ensure(variant, x)
	t := g.at()
	g.entry(g.ref(t, IDOutRef), t, tTransfer, sStakingToSpot, variant, -x, 0)
	g.want = t + g.shortly(50000+Stamp(g.rng.int63n(300000)))
	t2 := g.at()
	g.entry(g.ref(t2, IDInRef), t2, tTransfer, sSpotFromStaking, base, x, 0)
}

// earnMove moves x between a spot asset and an Earn variant: two earn
// entries, one refid, one time.
func (g *gen) earnMove(from, to int, x int64, sub string) {
	g.ensure(from, x)
	t := g.at()
	ref := g.ref(t, IDInRef)
	g.entry(ref, t, tEarn, sub, from, -x, 0)
	g.entry(ref, t, tEarn, sub, to, x, 0)
}

// reward credits a staking (legacy) or Earn reward on a variant, sized as
// about a week of yield at the given APR (per mille).
func (g *gen) reward(asset int, aprPermille int64, legacy bool) {
	b := g.bal[asset]
	x := max(mulDivFloor(b, aprPermille, 1000*52), 1)
	t := g.at()
	ref := g.id(IDRewardRef)
	if legacy {
		g.entry(ref, t, tStaking, "", asset, x, 0)
	} else {
		g.entry(ref, t, tEarn, sReward, asset, x, 0)
	}
}

// eth2Convert turns x ETH2.S into ETH2: the 2023 "virtual conversion", two
// staking rows with one refid, the ETH2.S one negative.
func (g *gen) eth2Convert(x int64) {
	if g.bal[aETH2S] < x {
		g.stake(aETH, aETH2S, x-g.bal[aETH2S])
	}
	t := g.at()
	ref := g.ref(t, IDInRef)
	g.entry(ref, t, tStaking, "", aETH2S, -x, 0)
	g.entry(ref, t, tStaking, "", aETH2, x, 0)
}

// futuresOut sends x to the Futures wallet; a transfer back (with some P/L)
// follows weeks later.
func (g *gen) futuresOut(asset int, x int64) {
	g.ensure(asset, x)
	t := g.at()
	g.entry(g.ref(t, IDOutRef), t, tTransfer, sSpotToFutures, asset, -x, 0)
	back := mulDivFloor(x, int64(700+g.rng.intn(600)), 1000)
	g.after(t+Stamp(10+g.rng.intn(50))*86400_0000, func(Stamp) {
		if back <= 0 {
			return
		}
		t2 := g.at()
		g.entry(g.ref(t2, IDInRef), t2, tTransfer, sSpotFromFutures, asset, back, 0)
	})
}

// marginPosition opens an ETH/EUR margin position: an opening fee row
// (margin, amount 0, fee in XETH), rollover rows every 4 hours (fee in
// ZEUR), and at the close a P/L row in ZEUR plus a closing fee row in XETH,
// all with the position's refid.
func (g *gen) marginPosition(rollovers int) {
	pi := pairIndex["XETHZEUR"]
	p := &pairTable[pi]
	t0 := g.want
	vol := g.volForUSD(pi, g.randomUSD(500, 5000), t0)
	ethFee := vol * scale(assetTable[aETH].Decimals-p.LotDecimals) * 20 / 10000 // 0.2 %
	g.ensure(aETH, 2*ethFee)
	t := g.at()
	pos := g.id(IDTrade)
	open := g.m.pairPrice(pi, t.seconds())
	g.entry(pos, t, tMargin, "", aETH, 0, ethFee)
	cost := pairCost(p, open, vol)
	roll := max(cost*2/10000, 1) // 0.02 % per 4 hours
	long := g.rng.chance(60)
	for k := 1; k <= rollovers; k++ {
		g.after(t+Stamp(k)*4*3600_0000+Stamp(g.rng.int63n(600_0000)), func(Stamp) {
			g.ensure(aEUR, roll)
			rt := g.at()
			g.entry(pos, rt, tRollover, "", aEUR, 0, roll)
		})
	}
	g.after(t+Stamp(rollovers)*4*3600_0000+Stamp(1800_0000+g.rng.int63n(3600_0000)), func(Stamp) {
		g.ensure(aETH, ethFee)
		ct := g.at()
		closePx := g.m.pairPrice(pi, ct.seconds())
		pl := pairCost(p, closePx, vol) - cost
		if !long {
			pl = -pl
		}
		if pl < 0 && g.bal[aEUR]+pl < 0 {
			pl = -g.bal[aEUR]
		}
		g.entry(pos, ct, tMargin, "", aEUR, pl, 0)
		g.entry(pos, ct, tMargin, "", aETH, 0, ethFee)
	})
}

func (g *gen) buyUST(units int64) {
	pi := pairIndex["USTUSD"]
	p := &pairTable[pi]
	vol := units/scale(assetTable[aUST].Decimals-p.LotDecimals) + 1
	price := g.m.pairPrice(pi, g.want.seconds())
	g.ensure(aUSD, pairCost(p, price, vol)*11/10+100000)
	op := orderPlan{pair: pi, buy: true, twoWallet: -1, rate: 2600, orderType: "market", mode: feeQuote, fills: []int64{vol}}
	g.execute(op)
}

// ---------------------------------------------------------------------------
// Random events

func (g *gen) randomEvent(t Stamp) {
	r := g.rng.intn(1000)
	switch {
	case r < 560:
		g.randomTrade(t)
	case r < 620:
		g.randomFunding(t)
	case r < 650:
		g.instantBuy(t, g.rng.chance(10))
	case r < 830:
		g.randomReward(t)
	case r < 870:
		g.randomStakeMove(t)
	case r < 890:
		g.canceledOrder(tradePairIdx[g.rng.intn(3)], t)
	case r < 893 && t+60*86400_0000 < g.end:
		as := []int{aXBT, aUSD, aEUR}[g.rng.intn(3)]
		if g.bal[as] <= 0 {
			g.randomFunding(t)
			return
		}
		g.futuresOut(as, max(mulDivFloor(g.bal[as], int64(200+g.rng.intn(300)), 1000), 1))
	case r < 894 && g.rare && t+2*86400_0000 < g.end:
		g.marginPosition(1 + g.rng.intn(4))
	default:
		g.randomFunding(t)
	}
}

// randomFunding: fiat or crypto in or out.
func (g *gen) randomFunding(t Stamp) {
	r := g.rng.intn(100)
	switch {
	case r < 40:
		fiat := aEUR
		if x := g.rng.intn(100); x < 12 {
			fiat = aUSD
		} else if x < 18 && t >= StampOf(listed["ZGBP"]) {
			fiat = aGBP
		}
		g.fiatDeposit(fiat, roundUp(g.usdToUnits(fiat, g.randomUSD(100, 10000), t), 100_0000), "")
	case r < 60:
		if g.bal[aEUR] > 2000_0000 {
			g.fiatWithdrawal(aEUR, roundUp(mulDivFloor(g.bal[aEUR], int64(200+g.rng.intn(500)), 1000), 1_0000)-1_0000)
		} else {
			g.randomFunding(t)
		}
	case r < 82:
		as := g.listedCrypto(t)
		g.cryptoDeposit(as, g.usdToUnits(as, g.randomUSD(50, 5000), t)+1)
	default:
		// Withdraw a held crypto asset, if any holding covers the fee well.
		for tries := 0; tries < 6; tries++ {
			as := g.listedCrypto(t)
			fee := cryptoNets[assetTable[as].ID].wdFee
			if g.bal[as] > 20*fee {
				amt := mulDivFloor(g.bal[as]-fee, int64(200+g.rng.intn(700)), 1000)
				g.cryptoWithdrawal(as, amt, false)
				return
			}
		}
		as := g.listedCrypto(t)
		g.cryptoDeposit(as, g.usdToUnits(as, g.randomUSD(50, 5000), t)+1)
	}
}

var depositable = []int{}

func init() {
	for _, id := range []string{"XXBT", "XXBT", "XXBT", "XETH", "XETH", "SOL", "DOT", "ADA", "USDC", "USDT", "XXDG", "XLTC"} {
		depositable = append(depositable, assetIndex[id])
	}
}

func (g *gen) listedCrypto(t Stamp) int {
	for tries := 0; tries < 10; tries++ {
		as := depositable[g.rng.intn(len(depositable))]
		if assetListed(assetTable[as].ID, t.Time()) {
			return as
		}
	}
	return aXBT
}

// randomReward pays a reward on a staked or Earn balance (or, with none, an
// Earn/staking move that creates one).
func (g *gen) randomReward(t Stamp) {
	type cand struct {
		asset  int
		apr    int64
		legacy bool
	}
	var cs [8]cand
	n := 0
	add := func(a int, apr int64, legacy bool) {
		if g.bal[a] > 0 {
			cs[n] = cand{a, apr, legacy}
			n++
		}
	}
	earn := t >= eraEarn
	add(aXBTM, 3, true)
	add(aUSDM, 40, true)
	if !earn {
		add(aDOTS, 120, true)
		add(aETH2S, 50, true)
	} else {
		add(aDOTB, 130, false)
		add(aXBTF, 2, false)
		add(aETHF, 25, false)
		add(aSOLF, 60, false)
		add(aETH2, 35, false)
	}
	if n == 0 {
		g.randomStakeMove(t)
		return
	}
	c := cs[g.rng.intn(n)]
	g.reward(c.asset, c.apr, c.legacy)
}

// randomStakeMove stakes or unstakes (legacy era) or allocates/deallocates
// (Earn era) part of a balance.
func (g *gen) randomStakeMove(t Stamp) {
	if t < eraEarn {
		type mv struct{ base, v int }
		var ms []mv
		if t >= eraDOTStaking {
			ms = append(ms, mv{aDOT, aDOTS})
		}
		if t >= eraOptIn {
			ms = append(ms, mv{aXBT, aXBTM}, mv{aUSD, aUSDM})
		}
		if t >= eraETH2 {
			ms = append(ms, mv{aETH, aETH2S})
		}
		if len(ms) == 0 {
			g.randomTrade(t)
			return
		}
		m := ms[g.rng.intn(len(ms))]
		if g.bal[m.v] > 0 && m.v != aETH2S && g.rng.chance(35) {
			g.unstake(m.v, m.base, max(mulDivFloor(g.bal[m.v], int64(200+g.rng.intn(800)), 1000), 1))
			return
		}
		x := g.usdToUnits(m.base, g.randomUSD(100, 3000), t)
		if g.bal[m.base] > 0 {
			x = min(x, g.bal[m.base])
		}
		g.stake(m.base, m.v, max(x, 1))
		return
	}
	switch g.rng.intn(3) {
	case 0:
		if g.bal[aDOTB] > 0 && g.rng.chance(40) {
			g.earnMove(aDOTB, aDOT, max(mulDivFloor(g.bal[aDOTB], int64(200+g.rng.intn(800)), 1000), 1), sDeallocation)
			return
		}
		g.earnMove(aDOT, aDOTB, max(g.usdToUnits(aDOT, g.randomUSD(100, 2000), t), 1), sAllocation)
	default:
		bases := [3][2]int{{aXBT, aXBTF}, {aETH, aETHF}, {aSOL, aSOLF}}
		b := bases[g.rng.intn(3)]
		if g.bal[b[1]] > 0 && g.rng.chance(30) {
			g.earnMove(b[1], b[0], max(mulDivFloor(g.bal[b[1]], int64(200+g.rng.intn(800)), 1000), 1), sDeallocation)
			return
		}
		sub := sAutoallocation
		if g.rng.chance(10) {
			sub = sAutoallocate
		}
		x := g.bal[b[0]] / 4
		if x <= 0 {
			x = g.usdToUnits(b[0], g.randomUSD(50, 1000), t) + 1
		}
		g.earnMove(b[0], b[1], x, sub)
	}
}

// ---------------------------------------------------------------------------
// Scripted rare events

type scripted struct {
	at Stamp
	fn func(t Stamp)
}

// script lists the rare events. When the history covers September 2018 to
// October 2024 they happen at their real-world dates (clamped into the
// history); otherwise all of them keep their relative places within the span.
func (g *gen) script() []scripted {
	if !g.rare {
		return nil
	}
	lo, hi := StampOf(date(2017, 7, 1)), StampOf(date(2025, 1, 1))
	atRealDates := g.from <= StampOf(date(2018, 9, 1)) && g.to >= StampOf(date(2024, 10, 1))
	margin := (g.end - g.from) / 200
	place := func(y int, mo time.Month, d int) Stamp {
		t := StampOf(date(y, mo, d).Add(time.Duration(13*3600+y*61+d*7) * time.Second))
		if atRealDates {
			return min(max(t, g.from+margin), g.end-margin)
		}
		f := float64(t-lo) / float64(hi-lo)
		return g.from + margin + Stamp(f*float64(g.end-g.from-2*margin))
	}
	s := []scripted{
		{place(2017, 8, 1), func(Stamp) { // BCH fork airdrop
			g.ensure(aXBT, 1_000_000)
			t := g.at()
			g.entry(g.id(IDInRef), t, tTransfer, "", aBCH, g.bal[aXBT], 0)
		}},
		{place(2018, 2, 1), func(Stamp) { // fee credits, then a trade paying its fee in KFEE
			g.kfeeCredit(500000)
			g.want = g.last + 600_0000
			g.scriptedTrade("XXBTZEUR", true, feeKFEE)
		}},
		{place(2018, 9, 12), func(Stamp) { g.marginPosition(3) }},
		{place(2019, 3, 1), func(t Stamp) { g.canceledOrder(pairIndex["XXBTZEUR"], t) }},
		{place(2019, 5, 2), func(Stamp) { g.scriptedTrade("XXBTZEUR", false, feeBase) }},
		{place(2019, 11, 5), func(Stamp) { // invite bonus
			t := g.at()
			g.entry(g.id(IDInRef), t, tInvite, "", aUSD, 10_0000, 0)
		}},
		{place(2020, 3, 1), func(Stamp) { // a buy canceled after a partial fill
			pi := pairIndex["XETHZEUR"]
			vol := g.volForUSD(pi, 2000_0000, g.want)
			g.ensure(aEUR, g.usdToUnits(aEUR, 4000_0000, g.want))
			g.execute(orderPlan{pair: pi, buy: true, orderType: "limit", fills: []int64{vol / 3, vol / 3},
				cancel: vol - 2*(vol/3), rate: 1600, twoWallet: -1})
		}},
		{place(2020, 11, 1), func(t Stamp) { g.instantBuy(t, true) }},
		{place(2021, 1, 15), func(t Stamp) {
			g.stake(aDOT, aDOTS, max(g.usdToUnits(aDOT, 1500_0000, t), 1))
			g.reward(aDOTS, 120, true)
		}},
		{place(2021, 2, 1), func(t Stamp) {
			g.stake(aETH, aETH2S, max(g.usdToUnits(aETH, 2000_0000, t), 1))
			g.reward(aETH2S, 50, true)
		}},
		{place(2021, 3, 3), func(t Stamp) { // the failed withdrawal
			g.cryptoWithdrawal(aXBT, max(g.usdToUnits(aXBT, 800_0000, t), 1), true)
		}},
		{place(2021, 6, 2), func(t Stamp) {
			g.stake(aXBT, aXBTM, max(g.usdToUnits(aXBT, 1000_0000, t), 1))
			g.reward(aXBTM, 3, true)
		}},
		{place(2022, 1, 10), func(t Stamp) { g.buyUST(g.usdToUnits(aUST, 1500_0000, t) + 1) }},
		{place(2022, 2, 1), func(t Stamp) { g.futuresOut(aXBT, max(g.usdToUnits(aXBT, 500_0000, t), 1)) }},
		{place(2022, 3, 1), func(Stamp) {
			g.ensure(aDOTS, 1)
			g.unstake(aDOTS, aDOT, max(g.bal[aDOTS]/3, 1))
		}},
		{place(2022, 12, 1), func(Stamp) { // delisting: UST out now, EUR in four days later
			g.ensure(aUST, 1)
			x := g.bal[aUST]
			t := g.at()
			g.entry(g.id(IDInRef), t, tAdjustment, "", aUST, -x, 0)
			usd := g.usdValue(aUST, x, t)
			eur := max(mulDivRound(usd, 1e5, g.m.pairPrice(pairIndex["ZEURZUSD"], t.seconds())), 1)
			g.after(t+4*86400_0000+Stamp(g.rng.int63n(3600_0000)), func(Stamp) {
				t2 := g.at()
				g.entry(g.id(IDInRef), t2, tAdjustment, "", aEUR, eur, 0)
			})
		}},
		{place(2023, 6, 1), func(Stamp) {
			g.ensure(aETH2S, 1)
			g.eth2Convert(g.bal[aETH2S])
		}},
		{place(2023, 11, 20), func(Stamp) { // Earn migration
			g.ensure(aDOTS, 1)
			g.earnMove(aDOTS, aDOTB, g.bal[aDOTS], sMigration)
		}},
		{place(2023, 12, 1), func(t Stamp) {
			g.earnMove(aXBT, aXBTF, max(g.usdToUnits(aXBT, 700_0000, t), 1), sAutoallocation)
		}},
		{place(2024, 1, 10), func(t Stamp) {
			g.earnMove(aDOT, aDOTB, max(g.usdToUnits(aDOT, 800_0000, t), 1), sAllocation)
		}},
		{place(2024, 2, 1), func(Stamp) {
			g.ensure(aDOTB, 1)
			g.reward(aDOTB, 130, false)
			g.ensure(aXBTF, 1)
			g.reward(aXBTF, 2, false)
		}},
		{place(2024, 3, 11), func(Stamp) { // opt-in rewards move into Kraken Rewards
			g.ensure(aXBTM, 1)
			g.earnMove(aXBTM, aXBTF, g.bal[aXBTM], sMigration)
		}},
		{place(2024, 5, 10), func(Stamp) { g.twoWalletSell() }},
		{place(2024, 6, 10), func(Stamp) {
			g.ensure(aDOTB, 1)
			g.earnMove(aDOTB, aDOT, max(g.bal[aDOTB]/2, 1), sDeallocation)
		}},
		{place(2024, 7, 1), func(t Stamp) { g.futuresOut(aUSD, max(g.usdToUnits(aUSD, 300_0000, t), 1)) }},
		{place(2024, 8, 1), func(t Stamp) { g.instantBuy(t, false) }},
		{place(2024, 9, 1), func(Stamp) { g.scriptedTrade("XETHXXBT", true, feeQuote) }},
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].at < s[j].at })
	return s
}

// scriptedTrade buys (or sells) about 300 USD of the pair's base with the
// given fee mode.
func (g *gen) scriptedTrade(pairID string, buy bool, mode feeMode) {
	pi := pairIndex[pairID]
	p := &pairTable[pi]
	t := g.want
	vol := g.volForUSD(pi, 300_0000, t)
	bi, qi := assetIndex[p.Base], assetIndex[p.Quote]
	if buy {
		g.ensure(qi, g.usdToUnits(qi, 700_0000, t))
	} else {
		g.ensure(bi, 2*vol*scale(assetTable[bi].Decimals-p.LotDecimals))
	}
	if mode == feeKFEE {
		g.ensure(aKFEE, 100000)
	}
	g.execute(orderPlan{pair: pi, buy: buy, orderType: "market", fills: []int64{vol}, mode: mode, rate: 2600, twoWallet: -1})
}

// twoWalletSell sells BTC drawing from both XXBT and XBT.F in one fill.
func (g *gen) twoWalletSell() {
	pi := pairIndex["XXBTZEUR"]
	p := &pairTable[pi]
	bScale := scale(assetTable[aXBT].Decimals - p.LotDecimals)
	g.ensure(aXBTF, 50_000_000)
	g.ensure(aXBT, 1_000_000)
	// Sell all spot XXBT and part of XBT.F.
	spotLots := g.bal[aXBT] / bScale
	fLots := g.bal[aXBTF] / bScale / 2
	op := orderPlan{pair: pi, orderType: "market", fills: []int64{spotLots + max(fLots, 1)}, mode: feeQuote,
		rate: 2600, twoWallet: aXBTF}
	g.execute(op)
}

// openOrders leaves a few unfilled limit orders open at the end.
func (g *gen) openOrders() {
	for k, id := range []string{"XXBTZEUR", "XETHZEUR", "DOTEUR"} {
		if !g.rare && k > 0 {
			break
		}
		pi := pairIndex[id]
		p := &pairTable[pi]
		t := g.last + 1 + Stamp(g.rng.int63n(max(int64(g.to-g.last)/2, 1)))
		if t > g.to {
			t = g.to
		}
		price := g.m.pairPrice(pi, t.seconds())
		vol := g.volForUSD(pi, g.randomUSD(50, 500), t)
		o := Order{ID: g.id(IDOrder), Status: "open", OpenTm: t, Pair: p.ID, Type: "buy",
			OrderType: "limit", Price: max(price*80/100, 1), Vol: vol, Oflags: "fciq"}
		if k == 1 {
			o.Type, o.Price, o.Oflags = "sell", price*130/100, "post,fciq"
		}
		g.a.Open = append(g.a.Open, o)
		g.last = max(g.last, t)
	}
}

// ---------------------------------------------------------------------------
// Account helpers

// reindex rebuilds the ID indexes.
func (a *Account) reindex() {
	a.EntryIndex = make(map[string]int, len(a.Entries))
	for i := range a.Entries {
		a.EntryIndex[a.Entries[i].ID] = i
	}
	a.TradeIndex = make(map[string]int, len(a.Trades))
	for i := range a.Trades {
		a.TradeIndex[a.Trades[i].ID] = i
	}
	a.OrderIndex = make(map[string]int, len(a.Closed))
	for i := range a.Closed {
		a.OrderIndex[a.Closed[i].ID] = i
	}
}

// Balances returns each asset's balance after its last entry, for every
// asset that has entries (zero balances included). Caller holds a.Mu.
func (a *Account) Balances() map[string]int64 {
	b := make(map[string]int64)
	for i := range a.Entries {
		b[a.Entries[i].Asset] = a.Entries[i].Balance
	}
	return b
}

// Verify checks the account's invariants and returns the first violation:
// balance chains, non-negative balances, time order, index consistency,
// trade and order links. Caller holds a.Mu (read).
func (a *Account) Verify() error {
	bal := map[string]int64{}
	var prev Stamp
	refTime := map[string]Stamp{}
	for i, e := range a.Entries {
		if e.Time < prev {
			return fmt.Errorf("entry %d (%s): time %s before previous %s", i, e.ID, e.Time, prev)
		}
		prev = e.Time
		want := bal[e.Asset] + e.Amount - e.Fee
		if e.Balance != want {
			return fmt.Errorf("entry %d (%s): balance %d, want %d", i, e.ID, e.Balance, want)
		}
		if e.Balance < 0 {
			return fmt.Errorf("entry %d (%s): negative balance %d", i, e.ID, e.Balance)
		}
		bal[e.Asset] = e.Balance
		if j, ok := a.EntryIndex[e.ID]; !ok || j != i {
			return fmt.Errorf("entry %d (%s): EntryIndex has %d, %v", i, e.ID, j, ok)
		}
		if e.Type != tMargin && e.Type != tRollover && e.Type != tWithdrawal {
			if t, ok := refTime[e.RefID]; ok && t != e.Time {
				return fmt.Errorf("entry %d (%s): refid %s at %s and %s", i, e.ID, e.RefID, t, e.Time)
			}
			refTime[e.RefID] = e.Time
		}
	}
	if len(a.EntryIndex) != len(a.Entries) {
		return errors.New("EntryIndex size differs from Entries (duplicate IDs?)")
	}
	for i, tr := range a.Trades {
		if j, ok := a.TradeIndex[tr.ID]; !ok || j != i {
			return fmt.Errorf("trade %d (%s): TradeIndex has %d, %v", i, tr.ID, j, ok)
		}
		if i > 0 && tr.Time < a.Trades[i-1].Time {
			return fmt.Errorf("trade %d (%s): out of order", i, tr.ID)
		}
		for _, l := range tr.Ledgers {
			j, ok := a.EntryIndex[l]
			if !ok {
				return fmt.Errorf("trade %s: unknown ledger %s", tr.ID, l)
			}
			if e := a.Entries[j]; e.RefID != tr.ID || e.Time != tr.Time || e.Type != tTrade {
				return fmt.Errorf("trade %s: ledger %s has refid %s time %s type %s", tr.ID, l, e.RefID, e.Time, e.Type)
			}
		}
	}
	if len(a.TradeIndex) != len(a.Trades) {
		return errors.New("TradeIndex size differs from Trades (duplicate IDs?)")
	}
	for i, o := range a.Closed {
		if j, ok := a.OrderIndex[o.ID]; !ok || j != i {
			return fmt.Errorf("order %d (%s): OrderIndex has %d, %v", i, o.ID, j, ok)
		}
		if i > 0 && o.CloseTm < a.Closed[i-1].CloseTm {
			return fmt.Errorf("order %d (%s): out of close-time order", i, o.ID)
		}
		if o.OpenTm > o.CloseTm {
			return fmt.Errorf("order %s: opened after it closed", o.ID)
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Random numbers: SplitMix64, integer-only helpers (amounts never pass
// through floats).

type rng struct{ s uint64 }

func newRNG(seed int64, salt string) rng {
	h := splitmix64(uint64(seed) ^ 0x5851F42D4C957F2D)
	for i := 0; i < len(salt); i++ {
		h = splitmix64(h ^ uint64(salt[i]))
	}
	return rng{s: h}
}

func (r *rng) u64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// intn returns a number in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.u64() % uint64(n)) }

// int63n returns a number in [0, n), or 0 when n <= 0.
func (r *rng) int63n(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return int64(r.u64() % uint64(n))
}

// chance is true pct times in 100.
func (r *rng) chance(pct int) bool { return r.intn(100) < pct }

// logUniform returns a roughly log-uniform number in [lo, hi]: a random
// power of two above lo, then uniform within that octave.
func (r *rng) logUniform(lo, hi int64) int64 {
	octaves := 0
	for v := lo; v*2 <= hi; v *= 2 {
		octaves++
	}
	base := lo << r.intn(octaves+1)
	return min(base+r.int63n(base), hi)
}

func (r *rng) str(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.intn(len(alphabet))]
	}
	return string(b)
}
