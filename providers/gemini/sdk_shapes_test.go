package gemini

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/genai"
)

// strictDecode decodes b into v refusing any field v's type does not have.
func strictDecode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// TestGoldenShapesMatchSDK checks the golden files against Google's own Go
// types (google.golang.org/genai): every field the translation writes
// upstream exists there with that name, and every answer shape the
// response goldens feed in parses as a GenerateContentResponse.
func TestGoldenShapesMatchSDK(t *testing.T) {
	type generateRequest struct { // GenerateContentRequest's REST fields
		Contents          []*genai.Content        `json:"contents"`
		SystemInstruction *genai.Content          `json:"systemInstruction"`
		Tools             []*genai.Tool           `json:"tools"`
		ToolConfig        *genai.ToolConfig       `json:"toolConfig"`
		GenerationConfig  *genai.GenerationConfig `json:"generationConfig"`
		SafetySettings    []*genai.SafetySetting  `json:"safetySettings"`
	}
	type embedRequest struct {
		Model                string         `json:"model"`
		Content              *genai.Content `json:"content"`
		OutputDimensionality int            `json:"outputDimensionality"`
	}
	files, _ := filepath.Glob("testdata/request_*.gemini.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		_, body, _ := bytes.Cut(b, []byte("\n")) // after the request line
		var err error
		switch {
		case strings.Contains(name, "embed_list"):
			var r struct {
				Requests []embedRequest `json:"requests"`
			}
			err = strictDecode(body, &r)
		case strings.Contains(name, "embed"):
			err = strictDecode(body, &embedRequest{})
		default:
			err = strictDecode(body, &generateRequest{})
		}
		if err != nil {
			t.Errorf("%s: not a request genai's types describe: %v", name, err)
		}
	}
	files, _ = filepath.Glob("testdata/response_*.gemini.json")
	for _, name := range files {
		if strings.Contains(name, "error") || strings.Contains(name, "embed") {
			continue
		}
		b, _ := os.ReadFile(name)
		var r genai.GenerateContentResponse
		if err := json.Unmarshal(b, &r); err != nil || (len(r.Candidates) == 0 && r.PromptFeedback == nil) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
