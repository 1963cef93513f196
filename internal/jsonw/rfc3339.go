package jsonw

import "time"

// Clock appends times as time.RFC3339Nano formats them, formatting the
// part up to the second (date, clock, zone) once per second: a log or a
// ledger stamps many records within one second, and the date arithmetic
// is most of what AppendFormat costs. Not safe for concurrent use: each
// writer keeps its own under its lock.
type Clock struct {
	sec    int64          // the second prefix and zone are of
	loc    *time.Location // t.Location() they are of
	prefix []byte         // "2006-01-02T15:04:05"
	zone   []byte         // "Z" or "-07:00"
}

// AppendRFC3339Nano appends t.Format(time.RFC3339Nano): the fraction
// has its trailing zeros, and its dot when zero, dropped.
func (c *Clock) AppendRFC3339Nano(dst []byte, t time.Time) []byte {
	if sec := t.Unix(); sec != c.sec || t.Location() != c.loc || c.prefix == nil {
		// The zone's offset is one within a second: zone transitions fall on whole seconds.
		whole := t.Truncate(time.Second)
		if whole.After(t) { // Truncate works on absolute time: never past t
			whole = whole.Add(-time.Second)
		}
		c.prefix = whole.AppendFormat(c.prefix[:0], "2006-01-02T15:04:05")
		c.zone = whole.AppendFormat(c.zone[:0], "Z07:00")
		c.sec, c.loc = sec, t.Location()
	}
	dst = append(dst, c.prefix...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	return append(dst, c.zone...)
}
