package alto

import "strings"

// ValidPIDName reports whether s is a PID name, RFC 7285, Section 10.1:
// 1 to 64 characters from the US-ASCII alphanumerics, '-', ':', '@' and
// '_'. The '.' separator is reserved by that section and rejected.
func ValidPIDName(s string) bool {
	return validName(s, 64, "-:@_")
}

// ValidResourceID reports whether s is a resource ID, which has the
// format of a PID name (RFC 7285, Section 10.2).
func ValidResourceID(s string) bool {
	return ValidPIDName(s)
}

// ValidPropertyName reports whether s is an endpoint property type (RFC
// 7285, Section 10.8). A global property has at most 32 characters from
// the alphanumerics, '-', ':' and '_', and is not the bare "priv:". A
// resource-specific property is a resource ID, '.', and a global name.
func ValidPropertyName(s string) bool {
	if rid, name, ok := strings.Cut(s, "."); ok {
		return ValidResourceID(rid) && validGlobalProperty(name)
	}
	return validGlobalProperty(s)
}

func validGlobalProperty(s string) bool {
	return validName(s, 32, "-:_") && s != "priv:"
}

// ValidTag reports whether s is a version tag string, RFC 7285,
// Section 10.3: 1 to 64 characters from U+0021 to U+007E.
func ValidTag(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func validName(s string, max int, punct string) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case strings.IndexByte(punct, c) >= 0:
		default:
			return false
		}
	}
	return true
}
