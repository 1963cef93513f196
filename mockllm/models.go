package mockllm

import "github.com/tollgate-ai/tollgate/internal/jsonw"

// Models listed by GET /v1/models. Any other model name works in requests too: the mock accepts every model.
const (
	ModelChat  = "mock-gpt"
	ModelEmbed = "mock-embed"
)

// modelCreated is a fixed creation time so listings are byte-for-byte stable.
const modelCreated = 1700000000

func appendModel(dst, id []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = jsonw.Bytes(dst, id)
	dst = append(dst, `,"object":"model","created":`...)
	dst = appendInt(dst, modelCreated)
	return append(dst, `,"owned_by":"mockllm"}`...)
}

func appendModelList(dst []byte) []byte {
	dst = append(dst, `{"object":"list","data":[`...)
	dst = appendModel(dst, []byte(ModelChat))
	dst = append(dst, ',')
	dst = appendModel(dst, []byte(ModelEmbed))
	return append(dst, "]}"...)
}
