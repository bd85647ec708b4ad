package costbasis

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cointally/cointally"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/")

// goldenReport is what a golden file holds: the whole Result and the totals
// of each reporting year that has activity.
type goldenReport struct {
	Result *Result
	Years  map[string]Totals
}

// TestGolden runs every scenario in testdata/ (<name>.input.json, a list of
// Txns) with every method and compares the report with
// <name>.<method>.golden.json. Run `go test ./costbasis -run Golden -update`
// to rewrite the golden files after a deliberate change, and review the diff.
// The "generated" scenario's input is written by -update too.
func TestGolden(t *testing.T) {
	t.Parallel()
	if *update {
		txns := generate(genConfig{N: 80, Assets: 2, Seed: 42, Step: 12 * 60 * 60 * 1e9,
			SameTime: true, Shortfalls: true, Unknown: true})
		writeJSON(t, filepath.Join("testdata", "generated.input.json"), txns)
	}
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.input.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".input.json")
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		var txns []cointally.Txn
		if err := json.Unmarshal(b, &txns); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		for _, m := range allMethods {
			t.Run(name+"/"+m.String(), func(t *testing.T) {
				res := compute(t, txns, m)
				rep := goldenReport{Result: res, Years: map[string]Totals{}}
				for y := 2019; y <= 2026; y++ {
					if s := res.Summarize(res.Year(y)); s.Totals.Disposals+len(s.Income) > 0 {
						rep.Years[s.Period.Label] = s.Totals
					}
				}
				path := filepath.Join("testdata", name+"."+m.String()+".golden.json")
				got := marshal(t, rep)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the computed report; run with -update and review the diff", path)
				}
			})
		}
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := os.WriteFile(path, marshal(t, v), 0o644); err != nil {
		t.Fatal(err)
	}
}
