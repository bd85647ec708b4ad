package krakensim

// Kraken-shaped identifiers, deterministic and unique by construction.
//
// An ID is its kind's fixed prefix and layout (dashes at fixed places) with
// the free places filled from two numbers: a bijective 64-bit mix of the
// counter under a key derived from the seed, written in full (13 base-32
// digits hold 65 bits; 11 base-62 digits hold more than 64), and filler
// characters hashed from that mix. The written mix alone tells IDs apart, so
// two different counters never give the same ID of one kind and key; the
// filler only makes the IDs look like Kraken's.
//
// Kraken's upper-case IDs ("L4UESK-KG3EQ-UFO4T5", "OQCLML-BW3P3-BUCMWZ",
// "QCCNPU5-JCHILF-COMBWG") only ever show the letters A-Z and the digits 2-7:
// they are RFC 4648 base 32, and so are these.

// IDKind selects the shape of a generated identifier.
type IDKind uint8

// The ID kinds. Refids of trades, spend/receive pairs and margin positions
// share the trade shape, as on Kraken.
const (
	IDLedger      IDKind = iota // "L4UESK-KG3EQ-UFO4T5": ledger entry
	IDTrade                     // "THVRQM-33VKH-UCI7BS": trade, position, spend/receive refid
	IDOrder                     // "OQCLML-BW3P3-BUCMWZ": order
	IDDepositRef                // "QCCNPU5-JCHILF-COMBWG": deposit refid before the FT cut-over
	IDWithdrawRef               // "AGBPQNJ-Q7FKOQ-WDHSBA": withdrawal refid before the FT cut-over
	IDOutRef                    // "BUHHIWP-UBPSTP-CO65OD": outgoing transfer leg (spottostaking, ...)
	IDInRef                     // "RUI4U34-RQ42JX-Q334OO": incoming transfer leg, adjustments, bonuses
	IDRewardRef                 // "ST5ENW3-ITDUB-JOLAPV": staking and Earn rewards
	IDFundingRef                // "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg": funding refid after the cut-over (mixed case)
	numIDKinds
)

// idLayout: prefix, then the free places ('?') and dashes.
var idLayout = [numIDKinds]string{
	IDLedger:      "L?????-?????-??????",
	IDTrade:       "T?????-?????-??????",
	IDOrder:       "O?????-?????-??????",
	IDDepositRef:  "Q??????-??????-??????",
	IDWithdrawRef: "A??????-??????-??????",
	IDOutRef:      "B??????-??????-??????",
	IDInRef:       "R??????-??????-??????",
	IDRewardRef:   "ST?????-?????-??????",
	IDFundingRef:  "FT?????-??????????????????????",
}

const (
	base32Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// FormatID returns the n-th ID of the given kind for a seed. Distinct n give
// distinct IDs of one kind and seed.
func FormatID(kind IDKind, seed int64, n uint64) string {
	var buf [32]byte
	return string(kind.append(buf[:0], idKey(uint64(seed)), n))
}

// idKey derives the mixing key of a seed.
func idKey(seed uint64) uint64 { return splitmix64(seed ^ 0x6b72616b656e4944) }

// append appends the n-th ID of kind k under key.
func (k IDKind) append(dst []byte, key, n uint64) []byte {
	layout := idLayout[k]
	x := mix64(n, key^(uint64(k)+1)*0x9E3779B97F4A7C15)
	fill := splitmix64(x ^ 0xA0761D6478BD642F)
	fill2 := splitmix64(fill)
	start := len(dst)
	dst = append(dst, layout...)
	b := dst[start:]
	if k == IDFundingRef {
		// 11 base-62 digits of x at the end, filler before.
		const valueDigits = 11
		pos := len(b) - 1
		for d := 0; d < valueDigits; pos-- {
			if b[pos] == '?' {
				b[pos] = base62Digits[x%62]
				x /= 62
				d++
			}
		}
		for ; pos >= 0; pos-- {
			if b[pos] == '?' {
				b[pos] = base62Digits[fill%62]
				fill /= 62
				if fill < 62 {
					fill, fill2 = fill2, splitmix64(fill2)
				}
			}
		}
		return dst
	}
	// 13 base-32 digits of x at the end, filler before. The first of them
	// holds the top 4 bits of x; a filler bit completes it to 5.
	pos := len(b) - 1
	for d := 0; d < 13; pos-- {
		if b[pos] == '?' {
			if d == 12 {
				x |= (fill2 & 1) << 4
			}
			b[pos] = base32Digits[x&31]
			x >>= 5
			d++
		}
	}
	for ; pos >= 0; pos-- {
		if b[pos] == '?' {
			b[pos] = base32Digits[fill&31]
			fill >>= 5
		}
	}
	return dst
}

// mix64 is a bijection of n for each key: xor, odd multiplications and
// xor-shifts are all invertible on 64-bit words.
func mix64(n, key uint64) uint64 {
	x := n ^ key
	x *= 0xD6E8FEB86659FD93
	x ^= x >> 32
	x *= 0xD6E8FEB86659FD93
	x ^= x >> 29
	x += key >> 7
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

// splitmix64 is the SplitMix64 finaliser; a good 64-bit hash.
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// idGen hands out an account's IDs. IDs of different kinds differ by their
// prefix; within a kind, by the counter. Trades, positions and the refid
// kinds draw from one counter, ledger entries and orders from their own.
type idGen struct {
	key                uint64
	ledger, ref, order uint64
}

func newIDGen(seed int64, accountID string) idGen {
	h := uint64(seed)
	for i := 0; i < len(accountID); i++ {
		h = splitmix64(h ^ uint64(accountID[i]))
	}
	return idGen{key: idKey(h)}
}

func (g *idGen) next(kind IDKind) string {
	var n uint64
	switch kind {
	case IDLedger:
		n = g.ledger
		g.ledger++
	case IDOrder:
		n = g.order
		g.order++
	default:
		n = g.ref
		g.ref++
	}
	return g.make(kind, n)
}

func (g *idGen) make(kind IDKind, n uint64) string {
	var buf [32]byte
	return string(kind.append(buf[:0], g.key, n))
}
