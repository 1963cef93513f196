package gateway

import (
	"fmt"
	"os"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/anthropic"
	"github.com/tollgate-ai/tollgate/providers/bedrock"
	"github.com/tollgate-ai/tollgate/providers/gemini"
)

// newProvider builds the translation of an upstream of a translated kind
// (config.IsTranslated); nil for the OpenAI-shaped kinds, whose requests
// and answers pass as they are.
func newProvider(cfg config.Upstream) (providers.Provider, error) {
	switch cfg.Kind {
	case config.KindAnthropic:
		return anthropic.New(cfg.APIKey, cfg.Anthropic), nil
	case config.KindGemini:
		return newGemini(cfg)
	case config.KindBedrock:
		b := cfg.Bedrock
		p, err := bedrock.New(bedrock.Options{Region: b.Region, AccessKeyID: b.AccessKeyID,
			SecretAccessKey: b.SecretAccessKey, SessionToken: b.SessionToken})
		if err != nil {
			return nil, fmt.Errorf("upstream %s: %w", cfg.Name, err)
		}
		return p, nil
	}
	return nil, nil
}

func newGemini(cfg config.Upstream) (providers.Provider, error) {
	o := gemini.Options{APIKey: cfg.APIKey}
	if v := cfg.Gemini.Vertex; v.Project != "" {
		o.Vertex = &gemini.Vertex{Project: v.Project, Location: v.Location}
		if v.CredentialsFile != "" {
			b, err := os.ReadFile(v.CredentialsFile)
			if err != nil {
				return nil, fmt.Errorf("upstream %s: gemini.vertex.credentials_file: %w", cfg.Name, err)
			}
			o.Vertex.CredentialsJSON = b
		}
	}
	p, err := gemini.New(o)
	if err != nil {
		return nil, fmt.Errorf("upstream %s: %w", cfg.Name, err)
	}
	return p, nil
}
