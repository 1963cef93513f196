package gateway

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/valyala/fasthttp"
)

// Principal is who a virtual key belongs to. The key itself is never kept:
// only its SHA-256 is in memory, and KeyID names it everywhere else.
type Principal struct {
	KeyID  string
	Tenant string
	Team   string
	Tags   map[string]string
	RPM    int
	TPM    int
	Budget config.Budget
	models map[string]bool // nil = every model
}

// anonymous is the principal when auth is off (no keys configured).
var anonymous = &Principal{KeyID: "anonymous", Tenant: "default", Team: "default"}

// Allows reports whether the key may use model.
func (p *Principal) Allows(model string) bool { return p.models == nil || p.models[model] }

type keyring struct {
	byHash    map[[32]byte]*Principal
	adminHash [32]byte
	adminSet  bool
	opsHash   [32]byte // ops.key: reads ops endpoints, not admin ones
	opsSet    bool
}

func newKeyring(c *config.Config) *keyring {
	kr := &keyring{byHash: make(map[[32]byte]*Principal, len(c.Keys))}
	for _, k := range c.Keys {
		p := &Principal{KeyID: k.ID, Tenant: k.Tenant, Team: k.Team, Tags: k.Tags, RPM: k.RPM, TPM: k.TPM, Budget: k.Budget}
		if len(k.Models) > 0 {
			p.models = make(map[string]bool, len(k.Models))
			for _, m := range k.Models {
				p.models[m] = true
			}
		}
		kr.byHash[hashKey(k.Key, k.KeySHA256)] = p
	}
	if c.Admin.Key != "" || c.Admin.KeySHA256 != "" {
		kr.adminHash, kr.adminSet = hashKey(c.Admin.Key, c.Admin.KeySHA256), true
	}
	if c.Ops.Key != "" || c.Ops.KeySHA256 != "" {
		kr.opsHash, kr.opsSet = hashKey(c.Ops.Key, c.Ops.KeySHA256), true
	}
	return kr
}

func hashKey(plain, hexSum string) [32]byte {
	if plain != "" {
		return sha256.Sum256([]byte(plain))
	}
	var h [32]byte
	_, _ = hex.Decode(h[:], []byte(hexSum)) // validated by config
	return h
}

func (kr *keyring) enabled() bool { return len(kr.byHash) > 0 }

var (
	bearerPrefix = []byte("Bearer ")
	apiKeyHeader = []byte("api-key")
	xAPIKey      = []byte("x-api-key")
)

// clientKey extracts the key from "Authorization: Bearer K", "api-key: K"
// (Azure SDKs send it) or "x-api-key: K" (Anthropic SDKs and coding agents).
func clientKey(h *fasthttp.RequestHeader) []byte {
	if a := h.Peek(fasthttp.HeaderAuthorization); len(a) > len(bearerPrefix) && bytes.EqualFold(a[:len(bearerPrefix)], bearerPrefix) {
		return bytes.TrimSpace(a[len(bearerPrefix):])
	}
	if k := bytes.TrimSpace(h.PeekBytes(apiKeyHeader)); len(k) > 0 {
		return k
	}
	return bytes.TrimSpace(h.PeekBytes(xAPIKey))
}

var (
	errMissingKey = &APIError{Status: 401, Type: typeAuth, Code: "invalid_api_key",
		Message: "missing API key: send it as 'Authorization: Bearer <key>', an 'api-key' or an 'x-api-key' header"}
	errBadKey = &APIError{Status: 401, Type: typeAuth, Code: "invalid_api_key",
		Message: "invalid API key: it matches no virtual key configured on this gateway"}
)

// authenticate maps the request's key to a principal. With no keys
// configured, auth is off and every caller is the anonymous principal.
func (kr *keyring) authenticate(h *fasthttp.RequestHeader) (*Principal, *APIError) {
	if !kr.enabled() {
		return anonymous, nil
	}
	k := clientKey(h)
	if len(k) == 0 {
		return nil, errMissingKey
	}
	p := kr.byHash[sha256.Sum256(k)]
	if p == nil {
		return nil, errBadKey
	}
	return p, nil
}

// Access says who may call an endpoint served by another package.
type Access uint8

const (
	// Ops endpoints (metrics, /ui, /v1/health/*) read every tenant's
	// figures: the admin or ops key, or no key on a loopback ops listener.
	Ops Access = iota
	// Admin endpoints (usage, reload, pprof): the admin key, or no key on a
	// loopback listener while no admin key is configured.
	Admin
)

// listenerKind tells the client-facing listener from the ops one.
type listenerKind uint8

const (
	onMain listenerKind = iota
	onOps
)

var (
	errNotAdmin = &APIError{Status: 403, Type: typePermission, Code: "not_admin",
		Message: "this endpoint needs the admin key (ops endpoints also take the ops key)"}
	errAdminKeyNeeded = &APIError{Status: 401, Type: typeAuth, Code: "admin_key_required",
		Message: "this endpoint needs the admin key: send it as 'Authorization: Bearer <key>'"}
	errNoAdminKey = &APIError{Status: 401, Type: typeAuth, Code: "admin_key_required",
		Message: "this endpoint needs a key and none is configured: set admin.key (or ops.key for ops endpoints); " +
			"without one it answers only on a loopback listener"}
)

// authorize guards ops and admin endpoints. local means the listener is
// bound to loopback and the peer is loopback (see exposure.go).
func (kr *keyring) authorize(h *fasthttp.RequestHeader, a Access, on listenerKind, local bool) *APIError {
	if local && kr.openLocally(a, on) {
		return nil
	}
	opsKeyWorks := a == Ops && kr.opsSet
	if !kr.adminSet && !opsKeyWorks {
		return errNoAdminKey
	}
	k := opsKey(h)
	if len(k) == 0 {
		return errAdminKeyNeeded
	}
	sum := sha256.Sum256(k)
	if kr.adminSet && subtle.ConstantTimeCompare(sum[:], kr.adminHash[:]) == 1 {
		return nil
	}
	if opsKeyWorks && subtle.ConstantTimeCompare(sum[:], kr.opsHash[:]) == 1 {
		return nil
	}
	return errNotAdmin
}

var basicPrefix = []byte("Basic ")

// opsKey is clientKey, or else the password of HTTP Basic auth: what a
// browser sends for /ui once it has prompted (the user name is ignored).
func opsKey(h *fasthttp.RequestHeader) []byte {
	if k := clientKey(h); len(k) > 0 {
		return k
	}
	a := h.Peek(fasthttp.HeaderAuthorization)
	if len(a) <= len(basicPrefix) || !bytes.EqualFold(a[:len(basicPrefix)], basicPrefix) {
		return nil
	}
	dec, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(a[len(basicPrefix):])))
	if err != nil {
		return nil
	}
	_, pass, _ := bytes.Cut(dec, []byte{':'})
	return pass
}

// openLocally: which endpoints need no key from this host. The loopback
// ops listener serves ops endpoints to anyone on the host, and admin ones
// while no admin key is set. On the main listener, where clients hold
// virtual keys, only a gateway with neither keys nor an admin key (local
// development) leaves them open.
func (kr *keyring) openLocally(a Access, on listenerKind) bool {
	if on == onOps {
		return a == Ops || !kr.adminSet
	}
	return !kr.adminSet && !kr.enabled()
}
