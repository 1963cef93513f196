//go:build race

package drift

// raceEnabled: the statistical quality tests skip under the race detector
// (ten times slower there, and they exercise no concurrency).
const raceEnabled = true
