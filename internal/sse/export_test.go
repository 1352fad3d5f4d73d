package sse

// Exports for the black-box tests of package sse_test.
type (
	SSEEvent     = sseEvent
	SSEReader    = sseReader
	ControlEvent = controlEvent
)

// NewSSEReader is newSSEReader, for package sse_test.
var NewSSEReader = newSSEReader
