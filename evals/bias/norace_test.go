//go:build !race

package bias

const raceEnabled = false
