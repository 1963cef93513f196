package tokenizer

import (
	"strings"
	"unsafe"
)

// Message is one chat message, minimal and cheap to fill from a request.
type Message struct {
	Role      string
	Name      string
	Content   string // text content; used when Parts is empty
	Parts     []Part // content given as an array of parts
	ToolCalls []ToolCall
}

// PartKind says what a content part holds.
type PartKind uint8

const (
	PartText  PartKind = iota // Text
	PartImage                 // Detail, Width, Height
	PartAudio                 // never counted: reported as Unknown
	PartFile                  // never counted: reported as Unknown
)

// Part is one element of an array content.
type Part struct {
	Kind          PartKind
	Text          string
	Detail        string // image detail: "low", "high", "auto" or ""
	Width, Height int    // image size in pixels, 0 when unknown
}

// ToolCall is an assistant's call of a tool.
type ToolCall struct {
	Name      string
	Arguments string // JSON text as sent
}

// Tool is a function tool definition.
type Tool struct {
	Name        string
	Description string
	Parameters  string // JSON schema text as sent
}

// Count is the prompt-token estimate of a chat request.
type Count struct {
	// Tokens counts text, per-message and per-tool overheads and the images
	// whose cost is known (ImageTokens is the part of Tokens they take).
	Tokens      int
	ImageTokens int
	// Unknown counts parts not in Tokens: images whose detail and size are
	// unknown, and audio and file parts. The caller decides how to bound them.
	Unknown int
}

// chatRules are OpenAI's per-message overheads for one model family, from
// OpenAI's cookbook "How to count tokens with tiktoken":
//
//   - gpt-3.5-turbo-0301: 4 tokens per message, -1 per name (the name
//     replaces the role);
//   - every later chat model (gpt-3.5-turbo-0613+, gpt-4*, gpt-4o*, gpt-4.1*,
//     gpt-5*, o-series): 3 tokens per message, +1 per name;
//   - every request: +3 for the reply priming <|start|>assistant<|message|>.
//
// Each message also counts the tokens of its role, content and name. Tools
// follow the cookbook's function-calling estimate: per tool funcInit (7 for
// o200k models, 10 for older ones) plus the tokens of its name, description
// and parameters JSON, and funcEnd (12) once per request with tools.
// Assistant tool calls count the tokens of name and arguments.
type chatRules struct {
	perMessage, perName, funcInit int
	image                         imageRule
}

const (
	replyPriming = 3
	funcEnd      = 12
)

func chatRulesFor(canonical string) chatRules {
	r := chatRules{perMessage: 3, perName: 1, funcInit: 10, image: imageRuleFor(canonical)}
	if strings.HasPrefix(canonical, "gpt-3.5-turbo-0301") {
		r.perMessage, r.perName = 4, -1
	}
	if builtinEncoding(canonical) == O200KBase {
		r.funcInit = 7
	}
	return r
}

// CountChat counts the prompt tokens of a chat request for model. See
// chatRules for the overheads applied.
func (r *Registry) CountChat(model string, msgs []Message, tools []Tool) (Count, error) {
	info, err := r.model(model)
	if err != nil {
		return Count{}, err
	}
	s := getScratch()
	defer putScratch(s)
	cc := chatCounter{enc: info.enc, rules: info.chat, s: s}
	for i := range msgs {
		m := &msgs[i]
		cc.message(m.Role, m.Name)
		if len(m.Parts) == 0 {
			cc.text(m.Content)
		}
		for _, p := range m.Parts {
			switch p.Kind {
			case PartText:
				cc.text(p.Text)
			case PartImage:
				cc.image(p.Detail, p.Width, p.Height)
			default:
				cc.c.Unknown++
			}
		}
		for _, tc := range m.ToolCalls {
			cc.text(tc.Name)
			cc.text(tc.Arguments)
		}
	}
	for _, t := range tools {
		cc.tool(t.Name, t.Description, t.Parameters)
	}
	return cc.done(len(tools) > 0), nil
}

// chatCounter accumulates a Count; CountChat and CountChatJSON share it.
// Every string is counted with the one scratch the call took from the pool.
type chatCounter struct {
	enc   *Encoder
	rules chatRules
	c     Count
	s     *scratch
}

func (cc *chatCounter) count(text string) int {
	return cc.enc.enc.count(unsafe.Slice(unsafe.StringData(text), len(text)), cc.s)
}

func (cc *chatCounter) message(role, name string) {
	cc.c.Tokens += cc.rules.perMessage + cc.count(role)
	if name != "" {
		cc.c.Tokens += cc.rules.perName + cc.count(name)
	}
}

func (cc *chatCounter) text(s string) { cc.c.Tokens += cc.count(s) }

func (cc *chatCounter) image(detail string, w, h int) {
	if n, ok := cc.rules.image.tokens(detail, w, h); ok {
		cc.c.Tokens += n
		cc.c.ImageTokens += n
		return
	}
	cc.c.Unknown++
}

func (cc *chatCounter) tool(name, description, parameters string) {
	cc.c.Tokens += cc.rules.funcInit + cc.count(name) + cc.count(description) + cc.count(parameters)
}

func (cc *chatCounter) done(hasTools bool) Count {
	cc.c.Tokens += replyPriming
	if hasTools {
		cc.c.Tokens += funcEnd
	}
	return cc.c
}
