package health

import "fmt"

// Status is a model's or deployment's health, ordered from best to worst so max() is "the worse of".
type Status int32

const (
	Healthy Status = iota
	Degraded
	Unhealthy
)

var statusNames = [...]string{"healthy", "degraded", "unhealthy"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int32(s))
	}
	return statusNames[s]
}

// MarshalText makes Status a JSON string.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Circuit breaker states for Deployment.SetCircuit (also the tollgate_circuit_state gauge value).
const (
	CircuitClosed   = 0
	CircuitHalfOpen = 1
	CircuitOpen     = 2
)

// UnmarshalText parses "healthy", "degraded" or "unhealthy".
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if string(b) == n {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown health status %q (want healthy, degraded or unhealthy)", b)
}
