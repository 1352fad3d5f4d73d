package alto

import (
	"fmt"
	"strings"
)

// costModePrivatePrefix marks cost modes reserved for Private Use (RFC
// 9274, Section 5).
const costModePrivatePrefix = "priv:"

// ValidCostModeEncoding reports whether s is encoded as RFC 9274,
// Section 3.2 requires of a cost mode: 1 to 32 characters, each a US-ASCII
// letter or digit, '-', ':' or '_'.
func ValidCostModeEncoding(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		ok := r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == ':' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}

// RegisteredCostMode reports whether mode is in the ALTO Cost Modes
// registry: numerical and ordinal (RFC 9274, Section 5) and array (RFC
// 9275, Section 12.2).
func RegisteredCostMode(mode string) bool {
	return mode == CostModeNumerical || mode == CostModeOrdinal || mode == CostModeArray
}

// CostModeMessage returns the reason why a cost map or endpoint cost
// resource rejects a cost mode other than numerical and ordinal. The
// reason is an invalid encoding, a private mode, the array mode of path
// vectors, or a mode that the registry does not list.
func CostModeMessage(mode string) string {
	switch {
	case !ValidCostModeEncoding(mode):
		return fmt.Sprintf("invalid cost mode %q: a cost mode has 1 to 32 characters, each a letter, a digit, '-', ':' or '_' (RFC 9274, Section 3.2); use numerical or ordinal", mode)
	case strings.HasPrefix(mode, costModePrivatePrefix):
		return fmt.Sprintf("private cost mode %q is not supported: use numerical or ordinal", mode)
	case mode == CostModeArray:
		return "cost mode array (RFC 9275, Section 6.5.2) is served only with the path vector metric ane-path, by path vector resources: use numerical or ordinal"
	case !RegisteredCostMode(mode):
		return fmt.Sprintf("unknown cost mode %q: the ALTO Cost Modes registry lists numerical, ordinal (RFC 9274, Section 5) and array (RFC 9275, Section 12.2); use numerical or ordinal", mode)
	}
	return fmt.Sprintf("cost mode %q is served with other cost metrics only", mode)
}
