//go:build race

package health

// raceEnabled skips allocation assertions: the race detector allocates on its own.
const raceEnabled = true
