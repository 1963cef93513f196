package gemini

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/oauth2/jwt"
)

// Vertex targets Vertex AI with a service account.
type Vertex struct {
	Project  string
	Location string // e.g. us-central1
	// CredentialsJSON is the service account's key file (type
	// "service_account"); its token_uri is where tokens come from. Empty:
	// Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the
	// gcloud user, or the metadata server), whose token source refreshes
	// only when a token is about to expire.
	CredentialsJSON []byte
	// HTTPClient fetches tokens; nil is http.DefaultClient.
	HTTPClient *http.Client
}

const (
	vertexScope = "https://www.googleapis.com/auth/cloud-platform"
	// refreshAhead: a token this close to expiry is refreshed in the
	// background while it is still used, so no request waits for one.
	refreshAhead = 5 * time.Minute
	tokenTimeout = 10 * time.Second
)

// vertexAuth hands out the service account's access token, refreshing it
// before it expires; only the very first request (or one after a failed
// refresh let the token lapse) waits for the token endpoint.
type vertexAuth struct {
	cfg    *jwt.Config        // a service account key, or nil
	adc    oauth2.TokenSource // Application Default Credentials when cfg is nil
	client *http.Client
	now    func() time.Time

	cur        atomic.Pointer[oauth2.Token]
	mu         sync.Mutex // one synchronous fetch at a time
	refreshing atomic.Bool
}

func newVertexAuth(v *Vertex) (*vertexAuth, error) {
	if v.Project == "" || v.Location == "" {
		return nil, errors.New("gemini: Vertex AI needs a project and a location")
	}
	client := v.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	if len(v.CredentialsJSON) == 0 {
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
		creds, err := google.FindDefaultCredentials(ctx, vertexScope)
		if err != nil {
			return nil, fmt.Errorf("gemini: Vertex AI: no credentials file and no default credentials: %w", err)
		}
		return &vertexAuth{adc: creds.TokenSource, client: client, now: time.Now}, nil
	}
	cfg, err := google.JWTConfigFromJSON(v.CredentialsJSON, vertexScope)
	if err != nil {
		// the parse error never quotes the key
		return nil, fmt.Errorf("gemini: Vertex AI credentials: %w", err)
	}
	if cfg.Email == "" || cfg.TokenURL == "" {
		return nil, errors.New("gemini: Vertex AI credentials: want a service account key with client_email and token_uri")
	}
	if blk, _ := pem.Decode(cfg.PrivateKey); blk == nil {
		return nil, errors.New("gemini: Vertex AI credentials: private_key is not a PEM key")
	}
	return &vertexAuth{cfg: cfg, client: client, now: time.Now}, nil
}

func (a *vertexAuth) token() (string, error) {
	now := a.now()
	if t := a.cur.Load(); t != nil && now.Before(t.Expiry) {
		if t.Expiry.Sub(now) < refreshAhead && a.refreshing.CompareAndSwap(false, true) {
			go func() {
				defer a.refreshing.Store(false)
				a.fetch()
			}()
		}
		return t.AccessToken, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if t := a.cur.Load(); t != nil && a.now().Before(t.Expiry) {
		return t.AccessToken, nil
	}
	t, err := a.fetch()
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// fetch gets a fresh token (never a cached one) and publishes it.
func (a *vertexAuth) fetch() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.client)
	var t *oauth2.Token
	var err error
	if a.cfg != nil {
		t, err = a.cfg.TokenSource(ctx).Token()
	} else {
		t, err = a.adc.Token()
	}
	if err != nil {
		return nil, err
	}
	if t.Expiry.IsZero() {
		t.Expiry = a.now().Add(time.Hour)
	}
	a.cur.Store(t)
	return t, nil
}
