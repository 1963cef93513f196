//go:build !race

package rollouts

const raceEnabled = false
