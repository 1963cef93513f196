package metering

import (
	"maps"
	"strings"
	"testing"
)

func TestParseTags(t *testing.T) {
	f := func(in string, want map[string]string, wantErr string) {
		t.Helper()
		got, err := ParseTags(in)
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("ParseTags(%q) error = %v; want %q", in, err, wantErr)
			}
			return
		}
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("ParseTags(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	f("", nil, "")
	f("project=x", map[string]string{"project": "x"}, "")
	f(" project = x , env=prod,empty=", map[string]string{"project": "x", "env": "prod", "empty": ""}, "")
	f("project", nil, "item 1 is not key=value")
	f("Project=x", nil, "key must be")
	f("a=1,a=2", nil, `repeats key "a"`)
	f("a=b=c", nil, "value must be")
	f("a=caf\u00e9", nil, "value must be")
	f("a="+strings.Repeat("v", 129), nil, "value must be")
	f(strings.Repeat("k=v,", 16)+"k=v", nil, "at most 16")
}
