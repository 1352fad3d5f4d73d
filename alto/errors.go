package alto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ErrorCode is an ALTO error code, RFC 7285, Section 8.5.2, Table 1.
type ErrorCode uint8

// Error codes of RFC 7285, Section 8.5.2.
const (
	// ErrSyntax is a parsing error in a request, identifiers included.
	ErrSyntax ErrorCode = iota + 1
	// ErrMissingField is a required JSON field that is missing.
	ErrMissingField
	// ErrInvalidFieldType is a JSON field whose value has the wrong type.
	ErrInvalidFieldType
	// ErrInvalidFieldValue is a JSON field whose value is invalid.
	ErrInvalidFieldValue
)

var errorCodeNames = [...]string{
	ErrSyntax:            "E_SYNTAX",
	ErrMissingField:      "E_MISSING_FIELD",
	ErrInvalidFieldType:  "E_INVALID_FIELD_TYPE",
	ErrInvalidFieldValue: "E_INVALID_FIELD_VALUE",
}

// String returns the wire name of the code, such as "E_SYNTAX".
func (c ErrorCode) String() string {
	if int(c) < len(errorCodeNames) && errorCodeNames[c] != "" {
		return errorCodeNames[c]
	}
	return fmt.Sprintf("E_UNKNOWN_%d", uint8(c))
}

// ParseErrorCode returns the code for a wire name, or 0 and false.
func ParseErrorCode(s string) (ErrorCode, bool) {
	for c, name := range errorCodeNames {
		if name != "" && name == s {
			return ErrorCode(c), true
		}
	}
	return 0, false
}

// Error is an ALTO error response, RFC 7285, Section 8.5. Field is the
// full path of the field at fault, with "/" between names
// ("cost-type/cost-mode"). Value is the offending value as a string; per
// Section 8.5.2 it is only set together with Field.
type Error struct {
	Code        ErrorCode
	Field       string
	Value       string
	SyntaxError string // free-form position text for ErrSyntax
	Message     string // human-readable explanation, sent as meta "message"
	// Status is the HTTP status to answer with; 0 means 400 Bad Request.
	Status int

	// listLimit marks an error made by NewTooMany, for ListLimitField.
	listLimit bool
}

// Error formats the error for logs and command-line output, with the
// texts cut as in MarshalJSON.
func (e *Error) Error() string {
	b := e.bounded()
	e = &b
	s := "alto: " + e.Code.String()
	if e.Field != "" {
		s += " field " + e.Field
	}
	if e.Value != "" {
		s += fmt.Sprintf(" value %q", e.Value)
	}
	if e.SyntaxError != "" {
		s += ": " + e.SyntaxError
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// HTTPStatus returns the HTTP status code for the error.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return http.StatusBadRequest
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &alto.Error{Code: alto.ErrSyntax}) matches any syntax error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

type errorMeta struct {
	Code        string `json:"code"`
	Field       string `json:"field,omitempty"`
	Value       string `json:"value,omitempty"`
	SyntaxError string `json:"syntax-error,omitempty"`
	Message     string `json:"message,omitempty"`
}

type errorBody struct {
	Meta errorMeta `json:"meta"`
}

// Bounds of the text that an error repeats from a request, so that a
// huge request value does not make a huge error response or log line.
const (
	// MaxEchoBytes is the maximum number of bytes of the offending value
	// (RFC 7285, Section 8.5.2, "value") that an error repeats.
	MaxEchoBytes = 256
	// MaxMessageBytes is the maximum number of bytes of the field path,
	// of the syntax-error text and of the message of an error.
	MaxMessageBytes = 1024
)

// Truncate returns s cut to at most maxBytes bytes at a UTF-8 character
// boundary, followed by "…" (3 more bytes) when it was cut.
func Truncate(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// bounded returns a copy of the error with the value cut to MaxEchoBytes,
// also where the message repeats it, and the other texts cut to
// MaxMessageBytes.
func (e *Error) bounded() Error {
	b := *e
	b.Value = Truncate(e.Value, MaxEchoBytes)
	if b.Value != e.Value {
		b.Message = strings.ReplaceAll(b.Message, e.Value, b.Value)
	}
	b.Field = Truncate(b.Field, MaxMessageBytes)
	b.SyntaxError = Truncate(b.SyntaxError, MaxMessageBytes)
	b.Message = Truncate(b.Message, MaxMessageBytes)
	return b
}

// MarshalJSON encodes the error as an application/alto-error+json body,
// with the texts cut to MaxEchoBytes and MaxMessageBytes. Characters
// such as < and & are written as they are, not HTML-escaped, because the
// body is JSON for ALTO clients, not HTML.
func (e *Error) MarshalJSON() ([]byte, error) {
	b := e.bounded()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(errorBody{Meta: errorMeta{
		Code:        b.Code.String(),
		Field:       b.Field,
		Value:       b.Value,
		SyntaxError: b.SyntaxError,
		Message:     b.Message,
	}})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// UnmarshalJSON decodes an application/alto-error+json body. An unknown
// code is kept in Message so that a client can still show it.
func (e *Error) UnmarshalJSON(b []byte) error {
	var body errorBody
	if err := json.Unmarshal(b, &body); err != nil {
		return err
	}
	code, ok := ParseErrorCode(body.Meta.Code)
	if !ok && body.Meta.Code == "" {
		return fmt.Errorf("alto: error response without meta code")
	}
	*e = Error{
		Code:        code,
		Field:       body.Meta.Field,
		Value:       body.Meta.Value,
		SyntaxError: body.Meta.SyntaxError,
		Message:     body.Meta.Message,
	}
	if !ok {
		e.Message = body.Meta.Code + ": " + e.Message
	}
	return nil
}

// NewSyntaxError returns an ErrSyntax error with a position description.
func NewSyntaxError(detail string) *Error {
	return &Error{Code: ErrSyntax, SyntaxError: detail}
}

// NewMissingField returns an ErrMissingField error for a field path.
func NewMissingField(field string) *Error {
	return &Error{Code: ErrMissingField, Field: field}
}

// NewInvalidType returns an ErrInvalidFieldType error for a field path.
func NewInvalidType(field, message string) *Error {
	return &Error{Code: ErrInvalidFieldType, Field: field, Message: message}
}

// NewInvalidValue returns an ErrInvalidFieldValue error for a field path
// and the offending value.
func NewInvalidValue(field, value, message string) *Error {
	return &Error{Code: ErrInvalidFieldValue, Field: field, Value: value, Message: message}
}
