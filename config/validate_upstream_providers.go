package config

// validateProviderUpstream checks a translated kind's own section (p is
// the upstream's path, e.g. upstreams[2]).
func validateProviderUpstream(u *Upstream, p string, at reporter) {
	switch u.Kind {
	case KindAnthropic:
		if u.APIKey == "" {
			at(p+".api_key", "is required for kind anthropic (sent as x-api-key)")
		}
		a := &u.Anthropic
		if a.DefaultMaxTokens <= 0 {
			at(p+".anthropic.default_max_tokens", "must be positive")
		}
		for m, n := range a.MaxTokens {
			if n <= 0 {
				at(p+".anthropic.max_tokens."+m, "must be positive, got %d", n)
			}
		}
		b := a.ThinkingBudgets
		for i, n := range [...]int{b.Low, b.Medium, b.High} {
			if n < 1024 {
				at(p+".anthropic.thinking_budgets."+[...]string{"low", "medium", "high"}[i],
					"must be at least 1024 (the Messages API's minimum), got %d", n)
			}
		}
	case KindGemini:
		v := u.Gemini.Vertex
		switch {
		case v.Project != "" && u.APIKey != "":
			at(p+".gemini.vertex.project", "set either api_key (Gemini API) or gemini.vertex (Vertex AI), not both")
		case v.Project != "" && v.Location == "":
			at(p+".gemini.vertex.location", "is required with gemini.vertex.project")
		case v.Project == "" && (v.Location != "" || v.CredentialsFile != ""):
			at(p+".gemini.vertex.project", "is required with gemini.vertex.location or credentials_file")
		case v.Project == "" && u.APIKey == "":
			at(p+".api_key", "is required for kind gemini (or set gemini.vertex for Vertex AI)")
		}
	case KindBedrock:
		b := u.Bedrock
		if b.Region == "" {
			at(p+".bedrock.region", "is required for kind bedrock (or set AWS_REGION)")
		}
		if (b.AccessKeyID == "") != (b.SecretAccessKey == "") {
			at(p+".bedrock.access_key_id", "access_key_id and secret_access_key go together (both empty: the AWS environment variables)")
		}
	}
}
