package gateway_test

import (
	"errors"

	openai "github.com/sashabaranov/go-openai"
)

func asAPIError(err error, target **openai.APIError) bool { return errors.As(err, target) }
