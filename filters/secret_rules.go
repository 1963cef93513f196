package filters

import (
	"bytes"
	"encoding/base64"
)

// A private-key block is capped at the scanner's long span (default 4096:
// a 4096-bit RSA key in PEM is about 3.3 KB). A block with no END line
// within it is reported from BEGIN to the end of its base64 body within
// the cap, so a stream window sees it from the header on.

// Character classes for token bodies.
var (
	tokAlnum     = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	tokAlnumUS   = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
	tokAlnumDash = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
	tokBase64    = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	tokAWSID     = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
)

func classOf(chars string) (t [256]bool) {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return t
}

// run returns the end of the run of class bytes from i, reading at most max.
func run(text []byte, i int, class *[256]bool, max int) int {
	j := i
	for j < len(text) && j-i < max && class[text[j]] {
		j++
	}
	return j
}

// standalone reports that [s,e) is not glued to more token characters.
func standalone(text []byte, s, e int, class *[256]bool) bool {
	return (s == 0 || !class[text[s-1]]) && (e == len(text) || !class[text[e]])
}

// prefixToken matches keyword (case-sensitive) followed by a body of
// minLen..maxLen class bytes, standing alone.
func prefixToken(kind string, score float64, class *[256]bool, minLen, maxLen int, keywords ...string) *secretRule {
	return &secretRule{kind: kind, keywords: keywords, maxSpan: 16 + maxLen,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			if !exactAt(text, ks, keywords) {
				return 0, 0, 0, ""
			}
			e := run(text, ke, class, maxLen+1)
			if e-ke < minLen || e-ke > maxLen || !standalone(text, ks, e, class) || classes(text[ke:e]) < 2 {
				return 0, 0, 0, ""
			}
			return ks, e, score, "="
		}}
}

// exactAt checks the case-sensitive spelling of the keyword found
// case-insensitively.
func exactAt(text []byte, ks int, keywords []string) bool {
	for _, k := range keywords {
		if bytes.HasPrefix(text[ks:], []byte(k)) {
			return true
		}
	}
	return false
}

// mixed reports a body with both letters and digits: real tokens are
// random, while "sk-the-quick-brown-fox" is prose.
func mixed(b []byte) bool {
	l, d := false, false
	for _, c := range b {
		l = l || isAlpha(c)
		d = d || isDigit(c)
	}
	return l && d
}

// builtinSecretRules: formats documented by each vendor (gitleaks'
// config/gitleaks.toml describes the same token shapes; these are written
// by hand and gated by the same kind of keyword prefilter).
func builtinSecretRules(longSpan int) []*secretRule {
	return []*secretRule{
		awsAccessKeyRule(),
		prefixToken("secret.gcp_api_key", 0.95, &tokAlnumDash, 35, 35, "AIza"),
		prefixToken("secret.github_token", 0.95, &tokAlnum, 36, 36, "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
		prefixToken("secret.github_token", 0.95, &tokAlnumUS, 50, 255, "github_pat_"),
		prefixToken("secret.gitlab_token", 0.95, &tokAlnumDash, 20, 64, "glpat-", "gldt-", "glptt-", "glrt-"),
		prefixToken("secret.slack_token", 0.95, &tokAlnumDash, 10, 255, "xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-", "xoxe-"),
		slackWebhookRule(),
		prefixToken("secret.stripe_key", 0.95, &tokAlnum, 16, 255, "sk_live_", "rk_live_", "sk_test_", "rk_test_"),
		prefixToken("secret.anthropic_api_key", 0.95, &tokAlnumDash, 32, 255, "sk-ant-"),
		openAIRule(),
		azureStorageRule(),
		pemRule(longSpan),
		jwtRule(longSpan),
		connStringRule(),
		genericRule(),
	}
}

func awsAccessKeyRule() *secretRule {
	kw := []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}
	return &secretRule{kind: "secret.aws_access_key", keywords: kw, maxSpan: 20,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			if !exactAt(text, ks, kw) || ks+20 > len(text) {
				return 0, 0, 0, ""
			}
			e := run(text, ks+4, &tokAWSID, 17)
			if e-ks != 20 || !standalone(text, ks, e, &tokAlnum) {
				return 0, 0, 0, ""
			}
			return ks, e, 0.95, "="
		}}
}

func slackWebhookRule() *secretRule {
	return &secretRule{kind: "secret.slack_webhook", keywords: []string{"hooks.slack.com/services/", "hooks.slack.com/workflows/"}, maxSpan: 160,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			e := run(text, ke, &tokPath, 120)
			if e-ke < 20 {
				return 0, 0, 0, ""
			}
			s := ks
			if s >= 8 && bytes.EqualFold(text[s-8:s], []byte("https://")) {
				s -= 8
			}
			return s, e, 0.95, "="
		}}
}

var tokPath = classOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-/")

// openAIRule: sk-proj-, sk-svcacct-, sk-admin- and legacy sk- keys (the
// legacy ones carry "T3BlbkFJ", base64 of "OpenAI"). Anthropic's sk-ant-
// has its own rule.
func openAIRule() *secretRule {
	return &secretRule{kind: "secret.openai_api_key", keywords: []string{"sk-"}, maxSpan: 260,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			if text[ks] != 's' || text[ks+1] != 'k' || bytes.HasPrefix(text[ke:], []byte("ant-")) {
				return 0, 0, 0, ""
			}
			e := run(text, ke, &tokAlnumDash, 256)
			body := text[ke:e]
			if len(body) < 32 || len(body) > 255 || !standalone(text, ks, e, &tokAlnumDash) || !mixed(body) {
				return 0, 0, 0, ""
			}
			score := 0.8
			if bytes.Contains(body, []byte("T3BlbkFJ")) || bytes.HasPrefix(body, []byte("proj-")) ||
				bytes.HasPrefix(body, []byte("svcacct-")) || bytes.HasPrefix(body, []byte("admin-")) || len(body) == 48 {
				score = 0.95
			}
			return ks, e, score, "="
		}}
}

// azureStorageRule: AccountKey=<88 base64> in a storage connection string;
// the span starts at DefaultEndpointsProtocol when the string has one.
func azureStorageRule() *secretRule {
	return &secretRule{kind: "secret.azure_storage_key", keywords: []string{"AccountKey="}, maxSpan: 400,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			e := run(text, ke, &tokBase64, 100)
			for e < len(text) && e-ke < 90 && text[e] == '=' {
				e++
			}
			if e-ke < 80 {
				return 0, 0, 0, ""
			}
			s := ks
			lo := max(0, ks-300)
			if p := bytes.LastIndex(text[lo:ks], []byte("DefaultEndpointsProtocol=")); p >= 0 {
				s = lo + p
			}
			return s, e, 0.95, "="
		}}
}

// pemRule: -----BEGIN … PRIVATE KEY----- through its END line (also when
// newlines are escaped as \n inside JSON, as in GCP service-account files).
// A block inside a "private_key" JSON field reports as
// secret.gcp_service_account.
func pemRule(longSpan int) *secretRule {
	return &secretRule{kind: "secret.private_key", also: []string{"secret.gcp_service_account"}, keywords: []string{"-----BEGIN "}, maxSpan: longSpan,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			kind := "="
			if bytes.Contains(text[max(0, ks-24):ks], []byte(`"private_key"`)) {
				kind = "secret.gcp_service_account"
			}
			lineEnd := ke
			for lineEnd < len(text) && lineEnd-ke < 40 && text[lineEnd] != '-' && text[lineEnd] != '\n' {
				lineEnd++
			}
			label := text[ke:lineEnd]
			if !bytes.HasSuffix(label, []byte("PRIVATE KEY")) && !bytes.Equal(label, []byte("PGP PRIVATE KEY BLOCK")) {
				return 0, 0, 0, ""
			}
			limit := min(len(text), ks+longSpan)
			if p := bytes.Index(text[lineEnd:limit], []byte("-----END ")); p >= 0 {
				e := lineEnd + p + len("-----END ")
				for e < limit && e-(lineEnd+p) < 60 && text[e] != '\n' && text[e] != '"' && text[e] != '\\' {
					e++
				}
				return ks, e, 1, kind
			}
			// No END in reach: the header and the body that follows it.
			e := lineEnd
			for e < limit && (tokBase64[text[e]] || text[e] == '=' || text[e] == '-' || text[e] == '\n' ||
				text[e] == '\r' || text[e] == '\\' || text[e] == ' ' || text[e] == ':') {
				e++
			}
			return ks, e, 0.9, kind
		}}
}

// jwtRule: three base64url parts whose header decodes to JSON naming "alg".
func jwtRule(longSpan int) *secretRule {
	return &secretRule{kind: "secret.jwt", keywords: []string{"eyJ"}, maxSpan: longSpan,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			if text[ks] != 'e' || text[ks+1] != 'y' || text[ks+2] != 'J' || ks > 0 && tokAlnumDash[text[ks-1]] {
				return 0, 0, 0, ""
			}
			h := run(text, ks, &tokAlnumDash, 1024)
			if h-ks < 10 || h >= len(text) || text[h] != '.' {
				return 0, 0, 0, ""
			}
			p := run(text, h+1, &tokAlnumDash, 3000)
			if p-h-1 < 4 || p >= len(text) || text[p] != '.' {
				return 0, 0, 0, ""
			}
			sEnd := run(text, p+1, &tokAlnumDash, 1024)
			if e := sEnd; e < len(text) && text[e] == '.' {
				return 0, 0, 0, "" // four parts: a JWE or something else
			}
			var hdr [768]byte
			n, err := base64.RawURLEncoding.Decode(hdr[:], text[ks:min(h, ks+1024)])
			if err != nil || !bytes.Contains(hdr[:n], []byte(`"alg"`)) {
				return 0, 0, 0, ""
			}
			return ks, min(sEnd, ks+longSpan), 0.95, "=" // a longer token is cut at the cap
		}}
}

// connStringRule: scheme://user:password@host with a non-empty password.
// Placeholders (<password>, ${PASS}, ****, "password") score low.
func connStringRule() *secretRule {
	return &secretRule{kind: "secret.connection_string", keywords: []string{"://"}, maxSpan: 512,
		match: func(text []byte, ks, ke int) (int, int, float64, string) {
			s := ks
			for s > 0 && ks-s < 32 && (isAlnum(text[s-1]) || text[s-1] == '+' || text[s-1] == '.' || text[s-1] == '-') {
				s--
			}
			if ks-s < 2 || !isAlpha(text[s]) {
				return 0, 0, 0, ""
			}
			// user:password@ — the last '@' before the host, within 256 bytes.
			colon, at := -1, -1
			i := ke
			for ; i < len(text) && i-ke < 256; i++ {
				c := text[i]
				if c <= ' ' || c == '/' || c == '"' || c == '\'' || c == '<' || c == '>' {
					break
				}
				if c == ':' && colon < 0 && at < 0 {
					colon = i
				}
				if c == '@' {
					at = i
				}
			}
			if colon < 0 || at < colon+2 {
				return 0, 0, 0, ""
			}
			e := at + 1
			for e < len(text) && e-at < 256 && (isAlnum(text[e]) || text[e] == '.' || text[e] == '-' || text[e] == ':' || text[e] == '_' || text[e] == '[' || text[e] == ']') {
				e++
			}
			if e == at+1 {
				return 0, 0, 0, ""
			}
			score := 0.9
			if isPlaceholder(text[colon+1 : at]) {
				score = 0.3
			}
			return s, e, score, "="
		}}
}

// isPlaceholder spots documentation values that stand for a password.
func isPlaceholder(p []byte) bool {
	if len(p) == 0 || p[0] == '<' || p[0] == '$' || p[0] == '{' || p[0] == '%' || p[0] == '[' {
		return true
	}
	stars := 0
	for _, c := range p {
		if c == '*' || c == 'x' || c == 'X' || c == '.' {
			stars++
		}
	}
	if stars == len(p) {
		return true
	}
	for _, w := range []string{"password", "passwd", "pass", "secret", "changeme", "pwd", "yourpassword", "mypassword", "example"} {
		if bytes.EqualFold(p, []byte(w)) {
			return true
		}
	}
	return false
}
