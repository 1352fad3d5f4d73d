package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/snapshot"
)

// PrefixOwner is implemented by a prefix handler whose URIs belong to a
// resource, such as the TIPS views of a network map or the control URI
// of an update stream. With an access section, the handler then checks
// that the client may read that resource before serving such a URI.
type PrefixOwner interface {
	// OwnerOf returns the ID of the resource whose data the URI path
	// serves, or "" when the path names nothing.
	OwnerOf(path string) string
}

type identityKey struct{}

// IdentityOf returns the identity that the handler authenticated for a
// request; the anonymous identity without an access section.
func IdentityOf(ctx context.Context) access.Identity {
	id, _ := ctx.Value(identityKey{}).(access.Identity)
	return id
}

// authenticate returns the request with its identity, or writes a 401
// response and returns nil.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot) *http.Request {
	if snap.Access == nil {
		return r
	}
	if len(r.Header.Values("Authorization")) > 1 {
		// RFC 9110, Section 5.3 allows a field line to repeat only when
		// its value is a list, which Authorization is not. Using one of
		// the values would let an intermediary and altod disagree on
		// who the client is.
		h.limitLog.log(h.logger, ReasonAuthFailed, "request with more than one Authorization header rejected")
		plainError(w, http.StatusBadRequest, "the request has more than one Authorization header; send one")
		return nil
	}
	id, err := snap.Access.Authenticate(r)
	if errors.Is(err, access.ErrCredentialsNeedTLS) {
		h.limitLog.log(h.logger, ReasonAuthFailed, "request with Basic or bearer credentials over plain HTTP rejected")
		plainError(w, http.StatusForbidden, plainHTTPMessage)
		return nil
	}
	if err != nil {
		h.limitLog.log(h.logger, ReasonAuthFailed, "request with invalid credentials rejected")
		unauthorized(w, r, snap.Access, err)
		return nil
	}
	return r.WithContext(context.WithValue(r.Context(), identityKey{}, id))
}

// plainHTTPMessage is the body of the 403 response to Basic or bearer
// credentials sent over plain HTTP. A 401 would invite the client to
// send them again on the same connection.
const plainHTTPMessage = "the server accepts credentials over HTTPS only; send the request over TLS"

// deny writes 401 for an anonymous client, so that it can retry with
// credentials, and 403 for an authenticated client without an accepted
// role. Neither reveals anything of the resource but its existence.
func (h *Handler) deny(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot) {
	id := IdentityOf(r.Context())
	h.limitLog.log(h.logger, ReasonAccessDenied, "request for a resource outside the client's roles rejected")
	if id.Anonymous() && snap.Access.OffersChallenge(r) {
		unauthorized(w, r, snap.Access, nil)
		return
	}
	msg := "the client has no role that may read this resource"
	switch {
	case id.Anonymous() && snap.Access.RejectsPlainHTTP(r):
		msg = "this resource needs credentials; the server accepts credentials over HTTPS only"
	case id.Anonymous():
		msg = "this resource needs a TLS client certificate that the server accepts"
	}
	plainError(w, http.StatusForbidden, msg)
}

// unauthorized writes 401 with a challenge per configured HTTP method
// (RFC 9110, Section 11.6.1). authErr is the authentication error, or
// nil when the request carried no credentials. A rejected bearer token
// gets the invalid_token error of RFC 6750, Section 3.1 on the Bearer
// challenge. Section 3 of RFC 6750 sends the error attribute only to a
// client that sent a token, so other rejected credentials get the plain
// challenge. A correct Digest response with an expired nonce gets Digest
// challenges with stale=true (RFC 7616, Section 3.3).
func unauthorized(w http.ResponseWriter, r *http.Request, p *access.Policy, authErr error) {
	invalid := authErr != nil
	badToken := invalid && sentBearer(r)
	challenges := p.Challenges(r, errors.Is(authErr, access.ErrStaleNonce))
	for _, c := range challenges {
		if badToken && strings.HasPrefix(c, "Bearer ") {
			c += `, error="invalid_token"`
		}
		w.Header().Add("WWW-Authenticate", c)
	}
	msg := "this resource needs credentials"
	switch {
	case errors.Is(authErr, access.ErrDigestNeedsTLS):
		msg = "Digest authentication is offered over HTTPS only"
	case errors.Is(authErr, access.ErrStaleNonce):
		msg = "the Digest nonce has expired; retry with the new nonce"
	case invalid:
		msg = "the credentials are invalid"
	}
	if len(challenges) == 0 {
		// RFC 9110 requires a challenge with 401, and a certificate has
		// none, so a client without usable credentials gets 403. So does
		// Digest over plain HTTP without allow-plain-http, because plain
		// HTTP then carries no Basic or Bearer challenge either.
		if !errors.Is(authErr, access.ErrDigestNeedsTLS) {
			msg += "; present a TLS client certificate that the server accepts"
		}
		plainError(w, http.StatusForbidden, msg)
		return
	}
	plainError(w, http.StatusUnauthorized, msg)
}

// sentBearer reports whether the Authorization header of r uses the
// Bearer scheme.
func sentBearer(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Bearer")
}

// prefixAllowed reports whether the client may read the resource that
// owns a URI under a registered prefix.
func prefixAllowed(hh http.Handler, r *http.Request, snap *snapshot.Snapshot) bool {
	if snap.Access == nil {
		return true
	}
	owner, ok := hh.(PrefixOwner)
	if !ok {
		return true
	}
	id := owner.OwnerOf(r.URL.Path)
	for _, res := range snap.Resources {
		if res.ID == id {
			return IdentityOf(r.Context()).Allowed(res.AcceptedRoles)
		}
	}
	return true
}
