package prefixes

// maxPIDNameLength is the maximum length of a PID name in characters
// (RFC 7285, Section 10.1).
const maxPIDNameLength = 64

// ValidPIDName reports whether s is a valid PID name (RFC 7285, Section
// 10.1): 1 to 64 characters, each a US-ASCII letter or digit, '-', ':', '@'
// or '_'. Resource IDs use the same format (RFC 7285, Section 10.2).
//
// The RFC also lists the '.' separator but reserves it: it "MUST NOT be used
// unless specifically indicated" by RFC 7285 or an extension, and no
// extension does so for PID names or resource IDs, so ValidPIDName rejects
// '.'. It rejects the empty string, which the RFC does not rule out in words
// but which cannot name a PID.
func ValidPIDName(s string) bool {
	if len(s) == 0 || len(s) > maxPIDNameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isPIDNameByte(s[i]) {
			return false
		}
	}
	return true
}

func isPIDNameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-', c == ':', c == '@', c == '_':
		return true
	}
	return false
}
