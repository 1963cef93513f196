package mockllm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
)

const bedrockTestModel = "anthropic.claude-3-5-sonnet-20240620-v1:0"

// bedrockClient is the AWS SDK's Bedrock runtime client pointed at the mock with static credentials: the
// fidelity check of the mock's Converse, ConverseStream and SigV4 verification.
func bedrockClient(t *testing.T, ts *testServer, secret string) *bedrockruntime.Client {
	t.Helper()
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: BedrockAccessKeyID, SecretAccessKey: secret, Source: "test"}, nil
	})
	return bedrockruntime.New(bedrockruntime.Options{
		Region: "us-east-1", Credentials: creds, HTTPClient: ts.http, BaseEndpoint: aws.String("http://mock"),
		RetryMaxAttempts: 1,
	})
}

func userText(s string) []types.Message {
	return []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: s}}}}
}

func bedrockWeatherTool() *types.ToolConfiguration {
	schema := document.NewLazyDocument(map[string]any{"type": "object",
		"properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}})
	return &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name: aws.String("get_weather"), Description: aws.String("Weather for a city"),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: schema}}}}}
}

func TestBedrockSDKConverse(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 10})
	c := bedrockClient(t, ts, BedrockSecretAccessKey)
	ctx := context.Background()
	out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(bedrockTestModel), Messages: userText("Name a colour."),
		System: []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "Be terse."}}})
	if err != nil {
		t.Fatal(err)
	}
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	text := msg.Content[0].(*types.ContentBlockMemberText).Value
	if len(strings.Fields(text)) != 10 || out.StopReason != types.StopReasonEndTurn {
		t.Fatalf("text %q stop %q", text, out.StopReason)
	}
	if u := out.Usage; u == nil || *u.InputTokens == 0 || *u.OutputTokens != 10 || *u.TotalTokens != *u.InputTokens+10 {
		t.Fatalf("usage %+v", out.Usage)
	}
	// tool use, then the tool's result goes back
	out, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(bedrockTestModel), Messages: userText("Weather?"), ToolConfig: bedrockWeatherTool()})
	if err != nil {
		t.Fatal(err)
	}
	msg = out.Output.(*types.ConverseOutputMemberMessage).Value
	tu, ok := msg.Content[0].(*types.ContentBlockMemberToolUse)
	if !ok || out.StopReason != types.StopReasonToolUse || *tu.Value.Name != "get_weather" {
		t.Fatalf("tool use: %#v stop %q", msg.Content[0], out.StopReason)
	}
	var args map[string]any
	if err := tu.Value.Input.UnmarshalSmithyDocument(&args); err != nil || args["city"] != "mock" {
		t.Fatalf("tool input %v %v", args, err)
	}
	history := append(userText("Weather?"), msg, types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
		&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{ToolUseId: tu.Value.ToolUseId,
			Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: "sunny"}}}}}})
	out, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(bedrockTestModel), Messages: history, ToolConfig: bedrockWeatherTool()})
	if err != nil {
		t.Fatal(err)
	}
	if out.StopReason != types.StopReasonEndTurn {
		t.Fatalf("after the tool result: stop %q", out.StopReason)
	}
}

func TestBedrockSDKConverseStream(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 10})
	c := bedrockClient(t, ts, BedrockSecretAccessKey)
	f := func(tools *types.ToolConfiguration) (text, input string, stop types.StopReason, usage *types.TokenUsage) {
		t.Helper()
		out, err := c.ConverseStream(context.Background(), &bedrockruntime.ConverseStreamInput{
			ModelId: aws.String(bedrockTestModel), Messages: userText("Count."), ToolConfig: tools})
		if err != nil {
			t.Fatal(err)
		}
		st := out.GetStream()
		defer st.Close()
		for ev := range st.Events() {
			switch e := ev.(type) {
			case *types.ConverseStreamOutputMemberContentBlockDelta:
				switch d := e.Value.Delta.(type) {
				case *types.ContentBlockDeltaMemberText:
					text += d.Value
				case *types.ContentBlockDeltaMemberToolUse:
					input += *d.Value.Input
				}
			case *types.ConverseStreamOutputMemberMessageStop:
				stop = e.Value.StopReason
			case *types.ConverseStreamOutputMemberMetadata:
				usage = e.Value.Usage
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		return
	}
	text, _, stop, usage := f(nil)
	if len(strings.Fields(text)) != 10 || stop != types.StopReasonEndTurn || usage == nil || *usage.OutputTokens != 10 {
		t.Fatalf("text %q stop %q usage %+v", text, stop, usage)
	}
	_, input, stop, usage := f(bedrockWeatherTool())
	if input != `{"city":"mock"}` || stop != types.StopReasonToolUse || usage == nil || *usage.OutputTokens == 0 {
		t.Fatalf("tool input %q stop %q usage %+v", input, stop, usage)
	}
}

func TestBedrockSDKErrors(t *testing.T) {
	ts := startServer(t, Options{})
	ctx := context.Background()
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(bedrockTestModel), Messages: userText("hi")}
	var apiErr smithy.APIError
	// a wrong secret: the mock recomputes the signature and refuses
	_, err := bedrockClient(t, ts, "not-the-secret").Converse(ctx, in)
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}
	c := bedrockClient(t, ts, BedrockSecretAccessKey)
	// roles must alternate, as on Bedrock
	bad := &bedrockruntime.ConverseInput{ModelId: aws.String(bedrockTestModel), Messages: append(userText("a"), userText("b")...)}
	var ve *types.ValidationException
	if _, err = c.Converse(ctx, bad); !errors.As(err, &ve) {
		t.Fatalf("two user turns: %v", err)
	}
	// an injected 429 is a ThrottlingException the SDK recognises
	ts2 := startServer(t, Options{ErrorRate: 1, ErrorStatus: 429})
	var te *types.ThrottlingException
	if _, err = bedrockClient(t, ts2, BedrockSecretAccessKey).Converse(ctx, in); !errors.As(err, &te) {
		t.Fatalf("injected 429: %v", err)
	}
	// a stream broken by fail-after ends with an internalServerException event
	ts3 := startServer(t, Options{MaxTokens: 10})
	out, err := bedrockClient(t, ts3, BedrockSecretAccessKey).ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String(bedrockTestModel), Messages: userText("hi")}, func(o *bedrockruntime.Options) {
		o.APIOptions = append(o.APIOptions, addHeader("x-mock-fail-after", "3"))
	})
	if err != nil {
		t.Fatal(err)
	}
	st := out.GetStream()
	n := 0
	for range st.Events() {
		n++
	}
	var ie *types.InternalServerException
	if n != 3 || !errors.As(st.Err(), &ie) {
		t.Fatalf("broken stream: %d events, err %v", n, st.Err())
	}
	st.Close()
}

func TestBedrockSDKEmbeddings(t *testing.T) {
	ts := startServer(t, Options{})
	c := bedrockClient(t, ts, BedrockSecretAccessKey)
	out, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String("amazon.titan-embed-text-v2:0"), ContentType: aws.String("application/json"),
		Body: []byte(`{"inputText":"hello world","dimensions":256}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out.Body), `"inputTextTokenCount":2`) || strings.Count(string(out.Body), ",") < 255 {
		t.Fatalf("titan: %.200s", out.Body)
	}
}
