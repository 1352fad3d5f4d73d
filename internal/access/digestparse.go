package access

import (
	"errors"
	"net/url"
	"strings"
)

// maxDigestHeader bounds the length of a Digest Authorization header
// that is parsed. Real headers are a few hundred bytes.
const maxDigestHeader = 4096

// errDigestSyntax is a Digest Authorization header that does not parse.
var errDigestSyntax = errors.New("access: malformed Digest credentials")

// parseDigestParams splits the credentials of a Digest Authorization
// header, the part after "Digest ", into lowercase parameter names and
// their values, unquoted (RFC 9110, Section 11.2 with quoted-string of
// Section 5.6.4). It rejects a header longer than 4096 bytes, a repeated
// parameter, an empty name and a value that is neither a token nor a
// quoted string.
func parseDigestParams(s string) (map[string]string, error) {
	if len(s) > maxDigestHeader {
		return nil, errDigestSyntax
	}
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return params, nil
		}
		name, value, rest, err := nextParam(s)
		if err != nil {
			return nil, err
		}
		if _, dup := params[name]; dup {
			return nil, errDigestSyntax
		}
		params[name] = value
		s = strings.TrimLeft(rest, " \t")
		if s == "" {
			return params, nil
		}
		if s[0] != ',' {
			return nil, errDigestSyntax
		}
		s = s[1:]
	}
}

// nextParam reads one name=value pair from the start of s and returns
// the rest.
func nextParam(s string) (name, value, rest string, err error) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == 0 {
		return "", "", "", errDigestSyntax
	}
	name = strings.ToLower(s[:i])
	s = strings.TrimLeft(s[i:], " \t")
	if s == "" || s[0] != '=' {
		return "", "", "", errDigestSyntax
	}
	s = strings.TrimLeft(s[1:], " \t")
	if strings.HasPrefix(s, `"`) {
		value, rest, err = quotedString(s)
		return name, value, rest, err
	}
	j := 0
	for j < len(s) && isTokenChar(s[j]) {
		j++
	}
	if j == 0 {
		return "", "", "", errDigestSyntax
	}
	return name, s[:j], s[j:], nil
}

// quotedString reads a quoted string at the start of s, resolving
// quoted pairs (RFC 9110, Section 5.6.4).
func quotedString(s string) (value, rest string, err error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			return b.String(), s[i+1:], nil
		}
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		}
		if isControl(c) {
			return "", "", errDigestSyntax
		}
		b.WriteByte(c)
	}
	return "", "", errDigestSyntax
}

// isControl reports whether c is a control character other than HTAB,
// which neither qdtext nor quoted-pair allows.
func isControl(c byte) bool { return c < ' ' && c != '\t' || c == 0x7f }

// isTokenChar reports whether c is a tchar (RFC 9110, Section 5.6.2).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// extendedValue decodes a username* value in the UTF-8 form of RFC 8187,
// Section 3.2: "UTF-8", an optional language tag and the
// percent-encoded name, separated by single quotes.
func extendedValue(v string) (string, bool) {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok || !strings.EqualFold(charset, "UTF-8") {
		return "", false
	}
	_, encoded, ok := strings.Cut(rest, "'")
	if !ok {
		return "", false
	}
	name, err := url.PathUnescape(encoded)
	if err != nil {
		return "", false
	}
	return name, true
}
