package config

import "net/url"

// validateUpstreams checks each upstream and returns them by name (the
// models and routes sections refer to them).
func validateUpstreams(ups []Upstream, at reporter) map[string]*Upstream {
	upstreams := map[string]*Upstream{}
	for i := range ups {
		u := &ups[i]
		p := indexPath("upstreams", i)
		switch {
		case u.Name == "":
			at(p+".name", "is required")
		case upstreams[u.Name] != nil:
			at(p+".name", "duplicate upstream %q", u.Name)
		default:
			upstreams[u.Name] = u
		}
		switch u.Kind {
		case KindOpenAI, KindAzure, KindAnthropic, KindGemini, KindBedrock:
			validateProviderUpstream(u, p, at)
			if u.BaseURL == "" {
				at(p+".base_url", "is required for kind %s", u.Kind)
			} else if pu, err := url.Parse(u.BaseURL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				at(p+".base_url", "must be an absolute http(s) URL, got %q", u.BaseURL)
			}
		case KindMock:
			if u.Mock.ErrorRate < 0 || u.Mock.ErrorRate > 1 {
				at(p+".mock.error_rate", "must be within [0,1]")
			}
			if e := u.Mock.Embeddings; e != "" && e != "random" && e != "lexical" {
				at(p+".mock.embeddings", "must be random or lexical, got %q", e)
			}
		case "":
			at(p+".kind", "is required (openai, azure, anthropic, gemini, bedrock or mock)")
		default:
			at(p+".kind", "unknown kind %q (openai, azure, anthropic, gemini, bedrock or mock)", u.Kind)
		}
		if u.StreamUsage != "inject" && u.StreamUsage != "off" {
			at(p+".stream_usage", "must be inject or off, got %q", u.StreamUsage)
		}
		t := u.Timeouts
		if t.Connect < 0 || t.FirstByte < 0 || t.Idle < 0 || t.Total < 0 {
			at(p+".timeouts", "must not be negative")
		}
	}
	return upstreams
}
