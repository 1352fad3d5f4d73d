package updates

// Default limits; see the package documentation for the reasoning.
const (
	DefaultMaxVersions  = 64
	DefaultMaxSnapshots = 4
	DefaultMaxBytes     = 256 << 20 // 256 MiB
	DefaultMaxShortcuts = 16
)

// Limits bound the history that each [Graph] keeps. A zero or negative
// field takes its default.
type Limits struct {
	// MaxVersions is the maximum number of versions in a graph, from
	// start-seq to end-seq; default DefaultMaxVersions.
	MaxVersions int
	// MaxSnapshots is the number of latest versions whose full body is
	// kept, besides the body of the oldest version, which is always
	// kept; default DefaultMaxSnapshots.
	MaxSnapshots int
	// MaxBytes bounds the bytes of the bodies and patches a graph keeps;
	// default DefaultMaxBytes. The latest version is kept even when its
	// body alone is larger.
	MaxBytes int64
	// MaxShortcuts is the number of computed shortcut patches a graph
	// caches; default DefaultMaxShortcuts. Their bytes do not count
	// toward MaxBytes.
	MaxShortcuts int
}

// withDefaults returns the limits with the defaults filled in.
func (l Limits) withDefaults() Limits {
	if l.MaxVersions <= 0 {
		l.MaxVersions = DefaultMaxVersions
	}
	if l.MaxSnapshots <= 0 {
		l.MaxSnapshots = DefaultMaxSnapshots
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxShortcuts <= 0 {
		l.MaxShortcuts = DefaultMaxShortcuts
	}
	return l
}
