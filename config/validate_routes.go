package config

import "strings"

// ModelSegment is the placeholder of a route prefix's model segment.
const ModelSegment = "{model}"

// validateRoutes checks pass-through routes and returns the model names
// their models lists declare (keys' allowlists may name them).
func validateRoutes(routes []Route, upstreams map[string]*Upstream, keyIDs map[string]bool, at reporter) map[string]bool {
	declared := map[string]bool{}
	prefixes := map[string]bool{}
	for i, r := range routes {
		p := indexPath("routes", i)
		if !strings.HasPrefix(r.Prefix, "/") {
			at(p+".prefix", "must start with '/', got %q", r.Prefix)
			continue
		}
		if prefixes[r.Prefix] {
			at(p+".prefix", "duplicate route prefix %q", r.Prefix)
		}
		prefixes[r.Prefix] = true
		if strings.HasPrefix(r.Prefix, "/v1/chat") || strings.HasPrefix(r.Prefix, "/v1/embeddings") || strings.HasPrefix(r.Prefix, "/v1/completions") {
			at(p+".prefix", "%q would shadow a built-in OpenAI endpoint", r.Prefix)
		}
		hasModel := false
		if r.Prefix != "/" {
			for _, seg := range strings.Split(r.Prefix[1:], "/") {
				switch {
				case seg == ModelSegment && hasModel:
					at(p+".prefix", "at most one {model} segment, got %q", r.Prefix)
				case seg == ModelSegment:
					hasModel = true
				case seg == "" || seg == "." || seg == "..":
					// Request paths are normalised before matching: such a
					// segment would never match.
					at(p+".prefix", "empty, '.' or '..' segment in %q", r.Prefix)
				case strings.ContainsAny(seg, "{}"):
					at(p+".prefix", "%q: the only placeholder is a whole {model} segment", r.Prefix)
				}
			}
		}
		if hasModel && r.Model != "" {
			at(p+".model", "the prefix names the model with {model}; drop model")
		}
		if len(r.Models) > 0 && !hasModel {
			at(p+".models", "lists the names a {model} segment may take, but the prefix has none")
		}
		for j, m := range r.Models {
			if m == "" || strings.Contains(m, "/") {
				at(indexPath(p+".models", j), "must be one non-empty path segment, got %q", m)
			}
			declared[m] = true
		}
		if r.Model != "" {
			declared[r.Model] = true
		}
		for j, k := range r.Keys {
			if !keyIDs[k] {
				at(indexPath(p+".keys", j), "unknown key id %q", k)
			}
		}
		if upstreams[r.Upstream] == nil {
			at(p+".upstream", "unknown upstream %q", r.Upstream)
		}
	}
	return declared
}
