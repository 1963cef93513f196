package gemini

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fasthttp"
)

// tokenServer is a loopback OAuth token endpoint handing out tok-1, tok-2…
// valid for an hour; it checks the JWT bearer grant.
func tokenServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" ||
			strings.Count(r.Form.Get("assertion"), ".") != 2 {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600}`, n.Add(1))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func serviceAccountJSON(t *testing.T, tokenURI string) []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "proj", "private_key_id": "kid1", "private_key": string(pemKey),
		"client_email": "sa@proj.iam.gserviceaccount.com", "client_id": "1", "token_uri": tokenURI,
	})
	return b
}

func TestVertexTokensRefreshBeforeExpiry(t *testing.T) {
	srv, fetches := tokenServer(t)
	p, err := New(Options{Vertex: &Vertex{Project: "proj", Location: "europe-west4",
		CredentialsJSON: serviceAccountJSON(t, srv.URL+"/token"), HTTPClient: srv.Client()}})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	p.vertex.now = func() time.Time { return clock }
	auth := func() string {
		t.Helper()
		var req fasthttp.Request
		req.SetRequestURI("https://europe-west4-aiplatform.googleapis.com/")
		c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Body: []byte(`{"messages":[{"role":"user","content":"hi"}]}`)}
		if err := p.PrepareRequest(&req, "", c); err != nil {
			t.Fatal(err)
		}
		if got, want := string(req.URI().Path()), "/v1/projects/proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent"; got != want {
			t.Fatalf("path %s, want %s", got, want)
		}
		if len(req.Header.Peek("x-goog-api-key")) != 0 {
			t.Fatal("API key header on a Vertex request")
		}
		return string(req.Header.Peek("Authorization"))
	}
	if got := auth(); got != "Bearer tok-1" {
		t.Fatalf("first request: %q", got)
	}
	if got := auth(); got != "Bearer tok-1" || fetches.Load() != 1 {
		t.Fatalf("cached token: %q after %d fetches", got, fetches.Load())
	}
	// 4 minutes before expiry: the old token still serves while a new one is fetched
	clock = clock.Add(56 * time.Minute)
	if got := auth(); got != "Bearer tok-1" {
		t.Fatalf("in the refresh window: %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for fetches.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for p.vertex.refreshing.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := auth(); got != "Bearer tok-2" {
		t.Fatalf("after the background refresh: %q (fetches %d)", got, fetches.Load())
	}
	// (tok-2's expiry is an hour of real time, so it too is in this fake
	// clock's refresh window: let that refresh finish)
	for p.vertex.refreshing.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// long past every expiry: the request waits for a fresh token
	clock = clock.Add(3 * time.Hour)
	want := fmt.Sprintf("Bearer tok-%d", fetches.Load()+1)
	if got := auth(); got != want {
		t.Fatalf("after expiry: %q", got)
	}
}

func TestVertexBadCredentials(t *testing.T) {
	_, err := New(Options{Vertex: &Vertex{Project: "p", Location: "l", CredentialsJSON: []byte(`{"type":"service_account"}`)}})
	if err == nil {
		t.Fatal("credentials without a key accepted")
	}
	_, err = New(Options{})
	if err == nil {
		t.Fatal("no API key and no Vertex accepted")
	}
}
