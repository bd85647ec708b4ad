package krakensim

import (
	"regexp"
	"runtime/debug"
	"slices"
	"testing"
)

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

func TestIDShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind IDKind
		re   string
	}{
		{IDLedger, `^L[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$`},
		{IDTrade, `^T[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$`},
		{IDOrder, `^O[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$`},
		{IDDepositRef, `^Q[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}$`},
		{IDWithdrawRef, `^A[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}$`},
		{IDOutRef, `^B[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}$`},
		{IDInRef, `^R[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}$`},
		{IDRewardRef, `^ST[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$`},
		{IDFundingRef, `^FT[A-Za-z0-9]{5}-[A-Za-z0-9]{22}$`},
	}
	for _, tc := range tests {
		re := regexp.MustCompile(tc.re)
		for n := uint64(0); n < 2000; n++ {
			id := FormatID(tc.kind, 42, n*977)
			if !re.MatchString(id) {
				t.Fatalf("kind %d: %q does not match %s", tc.kind, id, tc.re)
			}
		}
	}
	// Kraken's own examples have these shapes too.
	for _, id := range []string{"L4UESK-KG3EQ-UFO4T5", "THVRQM-33VKH-UCI7BS", "OQCLML-BW3P3-BUCMWZ",
		"QCCNPU5-JCHILF-COMBWG", "BUHHIWP-UBPSTP-CO65OD", "RUI4U34-RQ42JX-Q334OO", "ST5ENW3-ITDUB-JOLAPV",
		"FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"} {
		if !reRefID.MatchString(id) && !reLedgerID.MatchString(id) && !reOrderID.MatchString(id) {
			t.Errorf("Kraken's %s has no shape we generate", id)
		}
	}
}

func TestIDsDeterministic(t *testing.T) {
	t.Parallel()
	if a, b := FormatID(IDLedger, 1, 5), FormatID(IDLedger, 1, 5); a != b {
		t.Errorf("same seed and counter: %s, %s", a, b)
	}
	if a, b := FormatID(IDLedger, 1, 5), FormatID(IDLedger, 2, 5); a == b {
		t.Errorf("different seeds give the same ID %s", a)
	}
	if a, b := FormatID(IDLedger, 1, 5), FormatID(IDLedger, 1, 6); a == b {
		t.Errorf("different counters give the same ID %s", a)
	}
}

// TestIDsUnique checks a few million IDs of each shape family (a tenth of
// that with -short or -race): they are hashed to 64 bits and sorted; equal
// neighbours are compared in full.
func TestIDsUnique(t *testing.T) {
	t.Parallel()
	count := map[IDKind]uint64{IDLedger: 3_000_000, IDFundingRef: 1_000_000, IDDepositRef: 500_000}
	if testing.Short() || raceEnabled() {
		count = map[IDKind]uint64{IDLedger: 300_000, IDFundingRef: 100_000, IDDepositRef: 50_000}
	}
	for kind, n := range count {
		g := newIDGen(9, "acct")
		hashes := make([]uint64, n)
		var buf []byte
		for i := range hashes {
			buf = kind.append(buf[:0], g.key, uint64(i))
			hashes[i] = hashBytes(buf)
		}
		slices.Sort(hashes)
		for i := 1; i < len(hashes); i++ {
			if hashes[i] != hashes[i-1] {
				continue
			}
			// A 64-bit hash collision is unlikely; find the strings.
			var ids []string
			for j := uint64(0); j < n; j++ {
				if s := g.make(kind, j); hashBytes([]byte(s)) == hashes[i] {
					ids = append(ids, s)
				}
			}
			if len(ids) > 1 && ids[0] == ids[1] {
				t.Fatalf("kind %d: duplicate ID %s", kind, ids[0])
			}
		}
	}
}

func hashBytes(b []byte) uint64 {
	h := uint64(0xcbf29ce484222325)
	for _, c := range b {
		h ^= uint64(c)
		h *= 0x100000001b3
	}
	return splitmix64(h)
}

func TestMixIsBijective(t *testing.T) {
	t.Parallel()
	// mix64 must not lose information; spot-check that nearby counters and
	// keys never collide on a dense range.
	seen := make(map[uint64]uint64, 1<<16)
	for n := uint64(0); n < 1<<16; n++ {
		x := mix64(n, 12345)
		if prev, ok := seen[x]; ok {
			t.Fatalf("mix64(%d) == mix64(%d)", n, prev)
		}
		seen[x] = n
	}
}
