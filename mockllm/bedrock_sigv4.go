package mockllm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/valyala/fasthttp"
)

// The only AWS credentials the mock's Bedrock accepts. Requests are verified, not trusted: the mock signs the
// received request again with this key and compares signatures.
const (
	BedrockAccessKeyID     = "AKIDMOCKLLMEXAMPLE"
	BedrockSecretAccessKey = "mockllm/bedrock/SECRET/EXAMPLEKEY"
)

const sigV4Skew = 15 * time.Minute // AWS's tolerance for X-Amz-Date

var sigV4Signer = v4.NewSigner()

// verifySigV4 recomputes the request's SigV4 signature with the SDK's signer over exactly what was received
// (method, raw path, the signed headers, the body's SHA-256) and returns the exception AWS would send, or "".
func verifySigV4(ctx *fasthttp.RequestCtx) (exception, message string) {
	const denied = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	auth := string(ctx.Request.Header.Peek("Authorization"))
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return "MissingAuthenticationTokenException", "Missing Authentication Token"
	}
	var credential, signedHeaders string
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			signedHeaders = v
		}
	}
	scope := strings.Split(credential, "/") // AKID/date/region/service/aws4_request
	if len(scope) != 5 || scope[4] != "aws4_request" || signedHeaders == "" {
		return "IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'."
	}
	if scope[0] != BedrockAccessKeyID {
		return "UnrecognizedClientException", "The security token included in the request is invalid."
	}
	when, err := time.Parse("20060102T150405Z", string(ctx.Request.Header.Peek("X-Amz-Date")))
	if err != nil {
		return "IncompleteSignatureException", "missing or malformed X-Amz-Date"
	}
	if d := time.Since(when); d > sigV4Skew || d < -sigV4Skew {
		return "InvalidSignatureException", "Signature expired: " + when.Format("20060102T150405Z") + " is now earlier or later than the allowed skew."
	}
	raw := string(ctx.Request.URI().PathOriginal())
	path, err := url.PathUnescape(raw)
	if err != nil {
		return "InvalidSignatureException", denied
	}
	host := string(ctx.Host())
	hr := &http.Request{Method: string(ctx.Method()), Host: host, Header: http.Header{},
		URL: &url.URL{Scheme: "https", Host: host, Path: path, RawPath: raw, RawQuery: string(ctx.URI().QueryString())}}
	for _, name := range strings.Split(signedHeaders, ";") {
		switch name {
		case "host":
		case "content-length":
			hr.ContentLength = int64(len(ctx.PostBody()))
		default:
			if v := ctx.Request.Header.Peek(name); v != nil {
				hr.Header.Set(name, string(v))
			}
		}
	}
	payload := string(ctx.Request.Header.Peek("X-Amz-Content-Sha256"))
	if payload == "" || payload != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(ctx.PostBody())
		if payload != "" && payload != hex.EncodeToString(sum[:]) {
			return "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed."
		}
		payload = hex.EncodeToString(sum[:])
	}
	creds := aws.Credentials{AccessKeyID: BedrockAccessKeyID, SecretAccessKey: BedrockSecretAccessKey,
		SessionToken: string(ctx.Request.Header.Peek("X-Amz-Security-Token"))}
	if err := sigV4Signer.SignHTTP(context.Background(), creds, hr, payload, scope[3], scope[2], when); err != nil {
		return "InvalidSignatureException", denied
	}
	if !bytes.Equal([]byte(hr.Header.Get("Authorization")), []byte(auth)) {
		return "InvalidSignatureException", denied
	}
	return "", ""
}
