package semantic

// dot is the inner product of two vectors of equal length; on unit vectors it is their cosine similarity.
// Unrolled by eight with independent sums: several times the speed of a plain loop (see BenchmarkDot).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
		s4 += a[i+4] * b[i+4]
		s5 += a[i+5] * b[i+5]
		s6 += a[i+6] * b[i+6]
		s7 += a[i+7] * b[i+7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3) + (s4 + s5) + (s6 + s7)
}

// normalised returns a unit-length copy of v, or nil when v is empty, has a zero length or holds NaN or Inf:
// such a vector can match nothing.
func normalised(v []float32) []float32 {
	return normaliseInto(make([]float32, 0, len(v)), v)
}
