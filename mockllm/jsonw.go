package mockllm

import (
	"strconv"

	"github.com/valyala/bytebufferpool"
)

// appendInt appends a decimal integer.
func appendInt(dst []byte, v int) []byte {
	return strconv.AppendInt(dst, int64(v), 10)
}

// bufPool holds response buffers; SetBody copies, so a buffer goes back right after use.
var bufPool bytebufferpool.Pool

// appendFloat32 appends the shortest decimal that parses back to f.
func appendFloat32(dst []byte, f float32) []byte {
	return strconv.AppendFloat(dst, float64(f), 'g', -1, 32)
}
