package bedrock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"
)

const signingService = "bedrock"

// sign adds SigV4's Authorization, X-Amz-Date (and X-Amz-Security-Token)
// to req with the SDK's signer. What is signed: the method, the path and
// query as they go on the wire, host, content-type and the body's SHA-256.
func (p *Provider) sign(req *fasthttp.Request) error {
	uri := req.URI()
	sum := sha256.Sum256(req.Body())
	raw, query, _ := strings.Cut(string(uri.RequestURI()), "?") // as it goes on the wire
	path, err := url.PathUnescape(raw)
	if err != nil {
		return err
	}
	host := string(uri.Host())
	hr := &http.Request{
		Method: http.MethodPost,
		URL:    &url.URL{Scheme: string(uri.Scheme()), Host: host, Path: path, RawPath: raw, RawQuery: query},
		Host:   host,
		Header: http.Header{"Content-Type": {string(req.Header.ContentType())}},
	}
	if err := p.signer.SignHTTP(context.Background(), p.creds, hr, hex.EncodeToString(sum[:]),
		signingService, p.region, p.now()); err != nil {
		return err
	}
	req.Header.Set("Authorization", hr.Header.Get("Authorization"))
	req.Header.Set("X-Amz-Date", hr.Header.Get("X-Amz-Date"))
	if t := hr.Header.Get("X-Amz-Security-Token"); t != "" {
		req.Header.Set("X-Amz-Security-Token", t)
	}
	return nil
}
