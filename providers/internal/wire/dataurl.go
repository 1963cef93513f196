package wire

import "bytes"

// DataURL splits a base64 data URL ("data:image/png;base64,AAAA") into its
// media type and base64 payload; ok is false for anything else.
func DataURL(u []byte) (mime, data []byte, ok bool) {
	rest, found := bytes.CutPrefix(u, []byte("data:"))
	if !found {
		return nil, nil, false
	}
	head, data, found := bytes.Cut(rest, []byte(","))
	if !found {
		return nil, nil, false
	}
	mime, found = bytes.CutSuffix(head, []byte(";base64"))
	if !found || len(mime) == 0 {
		return nil, nil, false
	}
	return mime, data, true
}

// MimeFromURL guesses an image's media type from its URL's extension,
// for providers that want one beside a file URI.
func MimeFromURL(u []byte) string {
	if i := bytes.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	dot := bytes.LastIndexByte(u, '.')
	if dot < 0 {
		return "image/jpeg"
	}
	switch string(bytes.ToLower(u[dot+1:])) {
	case "png":
		return "image/png"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	case "pdf":
		return "application/pdf"
	case "heic":
		return "image/heic"
	}
	return "image/jpeg"
}
