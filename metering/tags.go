package metering

import (
	"fmt"
	"strings"
)

// Tag limits keep the ledger's group keys and Redis hashes bounded.
const (
	maxTags        = 16
	maxTagKeyLen   = 64
	maxTagValueLen = 128
)

// ParseTags parses the x-tollgate-tags header ("k=v,k=v") into a map. Keys are lower-case letters,
// digits, '_', '-' and '.'; values are printable ASCII without ',' or '='. A bad header is an error that
// names the offending part so the gateway can answer 400.
func ParseTags(header string) (map[string]string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return nil, nil
	}
	parts := strings.Split(header, ",")
	if len(parts) > maxTags {
		return nil, fmt.Errorf("x-tollgate-tags has %d tags; at most %d are allowed", len(parts), maxTags)
	}
	tags := make(map[string]string, len(parts))
	for i, p := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
			return nil, fmt.Errorf("x-tollgate-tags item %d is not key=value", i+1)
		case k == "" || len(k) > maxTagKeyLen || strings.IndexFunc(k, badTagKeyRune) >= 0:
			return nil, fmt.Errorf("x-tollgate-tags item %d: key must be 1-%d chars of a-z 0-9 _ - .", i+1, maxTagKeyLen)
		case len(v) > maxTagValueLen || strings.IndexFunc(v, badTagValueRune) >= 0:
			return nil, fmt.Errorf("x-tollgate-tags %q: value must be at most %d printable ASCII chars without ',' or '='", k, maxTagValueLen)
		}
		if _, dup := tags[k]; dup {
			return nil, fmt.Errorf("x-tollgate-tags repeats key %q", k)
		}
		tags[k] = v
	}
	return tags, nil
}

func badTagKeyRune(r rune) bool {
	return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' && r != '.'
}

func badTagValueRune(r rune) bool { return r < 0x20 || r > 0x7e || r == ',' || r == '=' }
