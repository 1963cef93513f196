package gemini

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

// maxSchemaDepth bounds the recursion over a client's schema.
const maxSchemaDepth = 32

// schemaError is a fault deep in a schema; its path is built only when it
// unwinds, so a good schema costs no string building.
type schemaError struct {
	path        []string // innermost first
	unsupported bool
	why         string
}

// appendSchema appends s reduced to Gemini's Schema object (see the
// package comment for what is kept and what is stripped).
func appendSchema(dst []byte, s *fastjson.Value, field string) ([]byte, *providers.Error) {
	dst, se := appendSchemaDepth(dst, s, 0)
	if se == nil {
		return dst, nil
	}
	for i := len(se.path) - 1; i >= 0; i-- {
		field += "." + se.path[i]
	}
	if se.unsupported {
		return dst, wire.Unsupported(name, field, se.why)
	}
	return dst, wire.Invalid(name, field, se.why)
}

func (e *schemaError) in(seg string) *schemaError {
	e.path = append(e.path, seg)
	return e
}

func appendSchemaDepth(dst []byte, s *fastjson.Value, depth int) ([]byte, *schemaError) {
	o, err := s.Object()
	if err != nil {
		return dst, &schemaError{why: "a schema must be a JSON object"}
	}
	if depth > maxSchemaDepth {
		return dst, &schemaError{why: "schema nested too deeply"}
	}
	if o.Get("$ref") != nil {
		return dst, &schemaError{path: []string{"$ref"}, unsupported: true, why: "inline the referenced schema"}
	}
	dst = append(dst, '{')
	n := 0
	key := func(k []byte) {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.Bytes(dst, k)
		dst = append(dst, ':')
		n++
	}
	var perr *schemaError
	o.Visit(func(k []byte, v *fastjson.Value) {
		if perr != nil {
			return
		}
		switch string(k) {
		case "type":
			if v.Type() == fastjson.TypeArray {
				nullable := false
				var typ *fastjson.Value
				for _, t := range v.GetArray() {
					if string(t.GetStringBytes()) == "null" {
						nullable = true
					} else if typ == nil {
						typ = t
					}
				}
				if typ != nil {
					key(k)
					dst = typ.MarshalTo(dst)
				}
				if nullable {
					key([]byte("nullable"))
					dst = append(dst, "true"...)
				}
				return
			}
			key(k)
			dst = v.MarshalTo(dst)
		case "format":
			switch string(v.GetStringBytes()) {
			case "enum", "date-time", "int32", "int64", "float", "double":
				key(k)
				dst = v.MarshalTo(dst)
			}
		case "title", "description", "nullable", "enum", "required", "propertyOrdering", "minItems", "maxItems",
			"minLength", "maxLength", "minProperties", "maxProperties", "minimum", "maximum", "pattern", "example", "default":
			key(k)
			dst = v.MarshalTo(dst)
		case "items":
			key(k)
			if dst, perr = appendSchemaDepth(dst, v, depth+1); perr != nil {
				perr.in("items")
			}
		case "anyOf":
			key(k)
			dst = append(dst, '[')
			for i, sub := range v.GetArray() {
				if i > 0 {
					dst = append(dst, ',')
				}
				if dst, perr = appendSchemaDepth(dst, sub, depth+1); perr != nil {
					perr.in("anyOf[" + strconv.Itoa(i) + "]")
					return
				}
			}
			dst = append(dst, ']')
		case "properties":
			props, err := v.Object()
			if err != nil {
				perr = &schemaError{path: []string{"properties"}, why: "want an object"}
				return
			}
			key(k)
			dst = append(dst, '{')
			i := 0
			props.Visit(func(pk []byte, pv *fastjson.Value) {
				if perr != nil {
					return
				}
				if i > 0 {
					dst = append(dst, ',')
				}
				i++
				dst = jsonw.Bytes(dst, pk)
				dst = append(dst, ':')
				if dst, perr = appendSchemaDepth(dst, pv, depth+1); perr != nil {
					perr.in(string(pk)).in("properties")
				}
			})
			dst = append(dst, '}')
		}
	})
	return append(dst, '}'), perr
}
