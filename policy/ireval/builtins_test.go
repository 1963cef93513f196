package ireval

import "testing"

// The builtins called natively (builtins.go, natives) answer as topdown's:
// comparisons across types, count of every kind (and of a number: an error,
// so undefined), membership in sets, arrays, objects and non-collections.
func TestNativeBuiltinsDifferential(t *testing.T) {
	differential(t, "natives", `package t
cmp(a, b) := [a > b, a >= b, a < b, a <= b, a == b, a != b, equal(a, b), neq(a, b)]
out := {
	"cmp": [cmp(x, y) | some x in input.vs; some y in input.vs],
	"count": [n | some v in input.vs; n := count(v)],
	"count_defined": {i | some i, v in input.vs; count(v)},
	"in": [b | some x in input.vs; some c in input.vs; b := x in c],
	"gt_as_value": input.vs[0] > input.vs[1],
}`, "",
		`{"vs": [1, 2.0, "a", "ab", [1], [1, 2], {"a": 1}, {"k": [1]}, ["a", 1], true, null, 1.0, {1, "a"}, "héllo", {}, []]}`,
		`{"vs": [3, 3]}`,
		`{"vs": [{"x": 2}, {"x": 2}, {2}]}`)
}
