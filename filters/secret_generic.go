package filters

import (
	"bytes"
	"math"
)

// genericRule: a high-entropy value assigned to a name that says key,
// token, password or secret ("api_key = …", "password: …", "Token …").
// An AWS-named 40-character base64 value is reported as
// secret.aws_secret_key.
func genericRule() *secretRule {
	return &secretRule{kind: "secret.generic", also: []string{"secret.aws_secret_key"}, keywords: genericKeywords, maxSpan: 200,
		match: matchGeneric}
}

var genericKeywords = []string{"key", "token", "secret", "password", "passwd", "pwd", "credential", "auth", "bearer"}

var tokIdent = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")

// tokValue: what a pasted secret value is made of.
var tokValue = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.~!@#$%^&*")

var awsSecretKeyAWS = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

func matchGeneric(text []byte, ks, ke int) (int, int, float64, string) {
	// The whole identifier holding the keyword: AWS_SECRET_ACCESS_KEY.
	is := ks
	for is > 0 && ks-is < 40 && tokIdent[text[is-1]] {
		is--
	}
	ie := run(text, ke, &tokIdent, 40)
	// An assignment: quotes and spaces around one ':' or '=' (or "=>",
	// ":=", or "Bearer " for the bearer keyword).
	i, assign := ie, false
	for i < len(text) && i-ie < 6 {
		c := text[i]
		if c == ':' || c == '=' {
			assign = true
		} else if c != ' ' && c != '"' && c != '\'' && c != '>' && c != '\t' {
			break
		}
		i++
	}
	if !assign && !bytes.EqualFold(text[ks:ke], []byte("bearer")) {
		return 0, 0, 0, ""
	}
	vs := i
	ve := run(text, vs, &tokValue, 129)
	for ve > vs && (text[ve-1] == '.' || text[ve-1] == '!') { // sentence end
		ve--
	}
	n := ve - vs
	v := text[vs:ve]
	if ve < len(text) && (text[ve] == '(' || text[ve] == '[') {
		return 0, 0, 0, "" // code, not a literal: os.getenv("…"), env["…"]
	}
	if n >= 6 && n < 12 && isPasswordWord(text[ks:ke]) && !isPlaceholder(v) && classes(v) >= 2 && hasDigitOrSymbol(v) &&
		bytes.IndexByte(v, '.') < 0 {
		return vs, ve, 0.6, "=" // a short password: "password: hunter2"
	}
	if n < 12 || n > 128 {
		return 0, 0, 0, ""
	}
	if n == 40 && containsFold(text[is:ie], "aws") && run(v, 0, &awsSecretKeyAWS, 40) == 40 {
		return vs, ve, 0.95, "secret.aws_secret_key"
	}
	if isUUID(v) || isPlaceholder(v) {
		return 0, 0, 0, ""
	}
	h := entropy(v)
	if h < 3.0 || classes(v) < 2 || isHexOrUUIDOnly(v) && h < 3.5 {
		return 0, 0, 0, ""
	}
	// 3.0 bits/char scores 0.5, 4.5 and above 0.9.
	score := 0.5 + (h-3.0)*0.4/1.5
	if score > 0.9 {
		score = 0.9
	}
	return vs, ve, score, "="
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	var counts [256]uint16
	for _, c := range b {
		counts[c]++
	}
	h, n := 0.0, float64(len(b))
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// classes counts which of lower, upper, digit and symbol occur in b.
func classes(b []byte) int {
	var lo, up, di, sy int
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			lo = 1
		case c >= 'A' && c <= 'Z':
			up = 1
		case isDigit(c):
			di = 1
		default:
			sy = 1
		}
	}
	return lo + up + di + sy
}

func isHexOrUUIDOnly(b []byte) bool {
	for _, c := range b {
		if !isHex(c) && c != '-' {
			return false
		}
	}
	return true
}

// containsFold reports whether b contains the lowercase ASCII word w in
// any case, without allocating.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(w)], []byte(w)) {
			return true
		}
	}
	return false
}

// isUUID spots 8-4-4-4-12 hex identifiers: request and object ids, not
// credentials.
func isUUID(b []byte) bool {
	if len(b) != 36 {
		return false
	}
	for i, c := range b {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return true
}

func isPasswordWord(k []byte) bool {
	return bytes.EqualFold(k, []byte("password")) || bytes.EqualFold(k, []byte("passwd")) || bytes.EqualFold(k, []byte("pwd"))
}

func hasDigitOrSymbol(b []byte) bool {
	for _, c := range b {
		if !isAlpha(c) {
			return true
		}
	}
	return false
}
