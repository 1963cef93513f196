// Package oaierror writes errors in OpenAI's JSON shape,
// {"error":{"message","type","code","param"}}, for the gateway and the mock
// LLM alike, so both answer clients byte for byte the same way.
package oaierror

import "github.com/tollgate-ai/tollgate/internal/jsonw"

// Body is the error object's fields; an empty Code or Param is written as null.
type Body struct {
	Message string
	Type    string
	Code    string
	Param   string
}

// Append appends {"error":{…}} to dst without allocating beyond dst's growth.
func (b *Body) Append(dst []byte) []byte {
	dst = append(dst, `{"error":{"message":`...)
	dst = jsonw.String(dst, b.Message)
	dst = append(dst, `,"type":`...)
	dst = jsonw.String(dst, b.Type)
	dst = append(dst, `,"code":`...)
	dst = appendNullable(dst, b.Code)
	dst = append(dst, `,"param":`...)
	dst = appendNullable(dst, b.Param)
	return append(dst, `}}`...)
}

func appendNullable(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return jsonw.String(dst, s)
}
