package drift

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestCalibrationTable prints the calibration table of docs/evals.md
// ("Drift calibration"). It is slow: run it with DRIFT_CALIBRATION=200
// (the number of trials per cell).
func TestCalibrationTable(t *testing.T) {
	trials, _ := strconv.Atoi(os.Getenv("DRIFT_CALIBRATION"))
	if trials <= 0 {
		t.Skip("set DRIFT_CALIBRATION=trials to measure the calibration table")
	}
	sizes := []int{25, 50, 100, 200, 500}
	fmt.Printf("| scenario | %s | smallest window with power ≥ 95 %% |\n", header(sizes))
	for _, s := range scenarios {
		start := time.Now()
		row := "| " + s.name + " |"
		smallest := "—"
		for _, n := range sizes {
			r := alarmRate(t, s, n, 0, trials, Options{})
			row += fmt.Sprintf(" %.3f |", r)
			if smallest == "—" && r >= 0.95 {
				smallest = strconv.Itoa(n)
			}
		}
		fmt.Printf("%s %s |   (%v)\n", row, smallest, time.Since(start).Round(time.Second))
	}
}

func header(sizes []int) string {
	h := ""
	for i, n := range sizes {
		if i > 0 {
			h += " | "
		}
		h += "n=" + strconv.Itoa(n)
	}
	return h
}
