package restconf

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Role is the set of RESTCONF methods that an operator may use.
type Role string

// Roles of operators. A reader may use GET and HEAD and open event
// streams; a writer may also use PUT, PATCH and DELETE.
const (
	RoleRead  Role = "read"
	RoleWrite Role = "write"
)

// Operator is one person or program allowed on the management interface,
// identified by a bearer token (RFC 6750, Section 2.1) or a TLS client
// certificate.
type Operator struct {
	// Name identifies the operator in logs.
	Name string `json:"name"`
	// TokenSHA256 is the hex SHA-256 digest of the operator's bearer
	// token, so the file holds no secret; empty accepts no token.
	TokenSHA256 string `json:"token-sha256,omitempty"`
	// CertSHA256 is the hex SHA-256 digest of the DER encoding of the
	// operator's client certificate; empty accepts no certificate. The
	// certificate must also verify against the listener's client CA.
	CertSHA256 string `json:"cert-sha256,omitempty"`
	// Role is RoleRead or RoleWrite.
	Role Role `json:"role"`
}

// operatorsFile is the JSON document that LoadOperators reads.
type operatorsFile struct {
	Operators []Operator `json:"operators"`
}

// LoadOperators reads a JSON file of the form
// {"operators": [{"name": ..., "token-sha256": ..., "role": "write"}]}
// and checks every entry.
func LoadOperators(path string) ([]Operator, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading operators: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var f operatorsFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkOperators(f.Operators); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.Operators, nil
}

// checkOperators rejects entries without a name, a valid role or a
// credential, and malformed digests.
func checkOperators(ops []Operator) error {
	seen := map[string]bool{}
	for i, op := range ops {
		at := fmt.Sprintf("operators[%d]", i)
		switch {
		case op.Name == "":
			return fmt.Errorf("%s: missing name", at)
		case seen[op.Name]:
			return fmt.Errorf("%s: duplicate name %q", at, op.Name)
		case op.Role != RoleRead && op.Role != RoleWrite:
			return fmt.Errorf("%s.role: invalid value %q: use %q or %q", at, op.Role, RoleRead, RoleWrite)
		case op.TokenSHA256 == "" && op.CertSHA256 == "":
			return fmt.Errorf("%s: give token-sha256 or cert-sha256", at)
		}
		for field, v := range map[string]string{"token-sha256": op.TokenSHA256, "cert-sha256": op.CertSHA256} {
			if b, err := hex.DecodeString(v); v != "" && (err != nil || len(b) != sha256.Size) {
				return fmt.Errorf("%s.%s: invalid value %q: want 64 hex digits", at, field, v)
			}
		}
		seen[op.Name] = true
	}
	return nil
}

// authenticate returns the operator that sent r, or nil. A bearer token
// is checked first, then the first certificate of a verified TLS chain.
func authenticate(ops []Operator, r *http.Request) *Operator {
	if token, ok := bearerToken(r); ok {
		sum := sha256.Sum256([]byte(token))
		return match(ops, sum, func(op *Operator) string { return op.TokenSHA256 })
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		sum := sha256.Sum256(r.TLS.VerifiedChains[0][0].Raw)
		return match(ops, sum, func(op *Operator) string { return op.CertSHA256 })
	}
	return nil
}

// match returns the operator whose digest, as field returns it, is sum.
// It compares in constant time.
func match(ops []Operator, sum [sha256.Size]byte, field func(*Operator) string) *Operator {
	var found *Operator
	for i := range ops {
		want, err := hex.DecodeString(field(&ops[i]))
		if err != nil || len(want) != sha256.Size {
			continue
		}
		if subtle.ConstantTimeCompare(want, sum[:]) == 1 && found == nil {
			found = &ops[i]
		}
	}
	return found
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// isWrite reports whether a method changes configuration.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// authorize returns the error to send for r, or nil when r is allowed.
// Without operators, anyone on the listener may read and no one may
// write.
func (s *Server) authorize(r *http.Request) *restError {
	if len(s.cfg.Operators) == 0 {
		if isWrite(r.Method) {
			return protocolError(http.StatusForbidden, "access-denied", "configuration changes need an operator with the write role: configure operators on the management listener")
		}
		return nil
	}
	op := authenticate(s.cfg.Operators, r)
	if op == nil {
		return protocolError(http.StatusUnauthorized, "access-denied", "authentication required: send an operator's bearer token or client certificate")
	}
	if isWrite(r.Method) && op.Role != RoleWrite {
		s.logger.Warn("restconf change denied", "operator", op.Name, "method", r.Method, "path", r.URL.Path)
		return protocolError(http.StatusForbidden, "access-denied", fmt.Sprintf("operator %q has the read role and may not change configuration", op.Name))
	}
	return nil
}
