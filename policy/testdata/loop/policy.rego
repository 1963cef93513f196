# Expensive on purpose: ~10^12 iterations, stopped only by the timeout.
package tollgate

decision := {"allow": n > 0} if {
	n := count([x |
		some i in numbers.range(1, 1000000)
		some j in numbers.range(1, 1000000)
		x := i * j
	])
}
