//go:build race

package rollouts

// raceEnabled: the many-seeds calibration runs fewer seeds under the race
// detector (ten times slower there; it exercises no concurrency).
const raceEnabled = true
