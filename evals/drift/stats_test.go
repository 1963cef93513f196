package drift

import (
	"math"
	"testing"
)

func TestNumericStats(t *testing.T) {
	f := func(base, cur []float64, want [4]float64) {
		t.Helper()
		s := newNumericSample(base, cur)
		var got [4]float64
		s.stats(got[:])
		for i, name := range numericStatNames {
			if math.Abs(got[i]-want[i]) > 1e-9 {
				t.Errorf("%v vs %v: %s = %v, want %v", base, cur, name, got[i], want[i])
			}
		}
	}
	same := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	f(same, same, [4]float64{0, 0, 0, 0})
	// Shifted by 10: disjoint supports, KS 1, W1 = 10 / pooled std.
	shifted := make([]float64, 10)
	for i, v := range same {
		shifted[i] = v + 10
	}
	std := math.Sqrt((399.0 / 12)) // pooled 1…20
	// All current values land in the top bin (above the baseline's 90 % edge 9, with 10 in it too);
	// bin 0, below the baseline's minimum, is empty on both sides.
	p := func(c, n, k float64) float64 { return (c + 0.5) / (n + 0.5*k) }
	var wantPSI, wantJS float64
	for b := 0; b < 11; b++ {
		bc, cc := 1.0, 0.0
		if b == 0 {
			bc = 0
		}
		if b == 10 {
			cc = 10
		}
		pb, pc := p(bc, 10, 11), p(cc, 10, 11)
		wantPSI += (pc - pb) * math.Log(pc/pb)
		qb, qc := bc/10, cc/10
		m := (qb + qc) / 2
		if qb > 0 {
			wantJS += qb * math.Log2(qb/m) / 2
		}
		if qc > 0 {
			wantJS += qc * math.Log2(qc/m) / 2
		}
	}
	f(same, shifted, [4]float64{wantPSI, math.Sqrt(wantJS), 1, 10 / std})
	// Ties: a count feature that is mostly zero gets edges 0 and 1 (the
	// 90 % decile of five values is the largest), three bins and the one
	// below the minimum, not ten.
	f([]float64{0, 0, 0, 0, 1}, []float64{0, 1, 1, 1, 1}, [4]float64{
		psi([]int{0, 4, 1, 0}, []int{0, 1, 4, 0}, 5, 5), jsDistance([]int{0, 4, 1, 0}, []int{0, 1, 4, 0}, 5, 5), 0.6, 0.6 / math.Sqrt(0.25)})
	// A constant baseline and a current window below it: before the bin
	// below the minimum, both fell in one bin and PSI and JS read 0.
	five, three := []float64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, []float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}
	f(five, three, [4]float64{
		psi([]int{0, 10, 0}, []int{10, 0, 0}, 10, 10), jsDistance([]int{0, 10, 0}, []int{10, 0, 0}, 10, 10), 1, 2 / 1.0})
	if v := psi([]int{0, 10, 0}, []int{10, 0, 0}, 10, 10); v < 1 {
		t.Errorf("constant baseline, shifted current: psi %v, want a large shift", v)
	}
}

func TestCategoricalStats(t *testing.T) {
	s := newCategoricalSample([]string{"a", "a", "b", "b"}, []string{"a", "a", "a", "a"})
	var got [3]float64
	s.stats(got[:])
	// 2×2 table [[2,2],[4,0]]: expected [[3,1],[3,1]] → chi² = 1/3+1+1/3+1.
	if want := 8.0 / 3; math.Abs(got[2]-want) > 1e-9 {
		t.Errorf("chi2 = %v, want %v", got[2], want)
	}
	if got[0] <= 0 || got[1] <= 0 {
		t.Errorf("psi, js = %v, %v, want > 0", got[0], got[1])
	}
}

func TestAverageRanks(t *testing.T) {
	got := averageRanks([]float64{3, 1, 3, 2})
	want := []float64{3.5, 1, 3.5, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ranks = %v, want %v", got, want)
		}
	}
}

func TestCriticalValue(t *testing.T) {
	null := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19} // P = 19
	// level 0.1: p = (1+#≥v)/20 ≤ 0.1 needs #≥v ≤ 1: v above the 2nd largest (18).
	if got := criticalValue(null, 0.1); got != 18 {
		t.Errorf("critical value = %v, want 18", got)
	}
}
