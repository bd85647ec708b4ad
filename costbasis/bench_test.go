package costbasis

import (
	"slices"
	"sync"
	"testing"

	"github.com/cointally/cointally"
)

func sortTxns(txns []cointally.Txn) {
	slices.SortFunc(txns, func(a, b cointally.Txn) int { return compareTxn(&a, &b) })
}

var bench1M = sync.OnceValue(func() []cointally.Txn {
	return generate(genConfig{N: 1_000_000, Assets: 4, Seed: 1})
})

func benchmarkMethod(b *testing.B, m Method) {
	txns := bench1M()
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	for b.Loop() {
		var err error
		res, err = Compute(txns, m, Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	matches := 0
	for _, d := range res.Disposals {
		matches += len(d.Matches)
	}
	b.ReportMetric(float64(len(txns))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(matches)/float64(len(res.Disposals)), "matches/disposal")
	b.ReportMetric(float64(len(res.Disposals)), "disposals")
}

// BenchmarkFIFO1M runs FIFO over 1,000,000 Txns (half acquisitions, half
// disposals matching one to three lots each, four assets).
func BenchmarkFIFO1M(b *testing.B)    { benchmarkMethod(b, FIFO) }
func BenchmarkLIFO1M(b *testing.B)    { benchmarkMethod(b, LIFO) }
func BenchmarkHIFO1M(b *testing.B)    { benchmarkMethod(b, HIFO) }
func BenchmarkAverage1M(b *testing.B) { benchmarkMethod(b, Average) }
func BenchmarkUK1M(b *testing.B)      { benchmarkMethod(b, UK) }
