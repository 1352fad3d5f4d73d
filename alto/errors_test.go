package alto

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// knownCodes are the error codes of RFC 7285, Section 8.5.2, Table 1.
var knownCodes = []struct {
	code ErrorCode
	name string
}{
	{ErrSyntax, "E_SYNTAX"},
	{ErrMissingField, "E_MISSING_FIELD"},
	{ErrInvalidFieldType, "E_INVALID_FIELD_TYPE"},
	{ErrInvalidFieldValue, "E_INVALID_FIELD_VALUE"},
}

func TestErrorCodeRoundTrip(t *testing.T) {
	for _, k := range knownCodes {
		t.Run(k.name, func(t *testing.T) {
			if got := k.code.String(); got != k.name {
				t.Errorf("String() = %q, want %q", got, k.name)
			}
			code, ok := ParseErrorCode(k.name)
			if !ok {
				t.Fatalf("ParseErrorCode(%q) failed", k.name)
			}
			if code != k.code {
				t.Errorf("ParseErrorCode(%q) = %d, want %d", k.name, code, k.code)
			}
		})
	}
}

func TestErrorCodeUnknown(t *testing.T) {
	for _, c := range []ErrorCode{0, ErrInvalidFieldValue + 1, 255} {
		t.Run(fmt.Sprint(uint8(c)), func(t *testing.T) {
			s := c.String()
			if want := fmt.Sprintf("E_UNKNOWN_%d", uint8(c)); s != want {
				t.Errorf("String() = %q, want %q", s, want)
			}
			if _, ok := ParseErrorCode(s); ok {
				t.Errorf("ParseErrorCode(%q) succeeded for an unknown code", s)
			}
		})
	}
	for _, s := range []string{"", "e_syntax", "E_SYNTAX ", "E_UNKNOWN_0", "E_UNSUPPORTED"} {
		t.Run("parse "+s, func(t *testing.T) {
			if code, ok := ParseErrorCode(s); ok {
				t.Errorf("ParseErrorCode(%q) = %v, want no code", s, code)
			}
		})
	}
}

func TestErrorJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
	}{
		{"syntax", NewSyntaxError("line 2, column 7: invalid character")},
		{"missing field", NewMissingField("cost-type/cost-metric")},
		{"invalid type", NewInvalidType("pids", "must be a JSON array, not string")},
		{"invalid value", NewInvalidValue("cost-type/cost-mode", "foo", "unknown cost mode")},
		{"value needing escapes", NewInvalidValue("endpoints", "\"quoted\" <tag> \\ \u00e9", "")},
		{"code only", &Error{Code: ErrInvalidFieldValue}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.err)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var got Error
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("Unmarshal(%s): %v", b, err)
			}
			if got != *tt.err {
				t.Errorf("round trip of %s:\n got %+v\nwant %+v", b, got, *tt.err)
			}
		})
	}
}

func TestErrorMarshalWireForm(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want map[string]string // members of "meta"
	}{
		{
			"invalid value",
			NewInvalidValue("cost-type/cost-mode", "foo", ""),
			map[string]string{"code": "E_INVALID_FIELD_VALUE", "field": "cost-type/cost-mode", "value": "foo"},
		},
		{
			"missing field",
			NewMissingField("pids"),
			map[string]string{"code": "E_MISSING_FIELD", "field": "pids"},
		},
		{
			"syntax",
			NewSyntaxError("line 1, column 2: x"),
			map[string]string{"code": "E_SYNTAX", "syntax-error": "line 1, column 2: x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.err)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var body struct {
				Meta map[string]any `json:"meta"`
			}
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("Unmarshal(%s): %v", b, err)
			}
			if len(body.Meta) != len(tt.want) {
				t.Errorf("meta = %v, want exactly %v", body.Meta, tt.want)
			}
			for k, v := range tt.want {
				if body.Meta[k] != v {
					t.Errorf("meta[%q] = %v, want %q", k, body.Meta[k], v)
				}
			}
		})
	}
}

func TestErrorUnmarshal(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Error
		wantErr bool
	}{
		{
			name: "RFC 7285 example form",
			body: `{"meta":{"code":"E_INVALID_FIELD_VALUE","field":"cost-type/cost-mode","value":"foo"}}`,
			want: Error{Code: ErrInvalidFieldValue, Field: "cost-type/cost-mode", Value: "foo"},
		},
		{
			name: "unknown code kept in message",
			body: `{"meta":{"code":"E_FUTURE","message":"details"}}`,
			want: Error{Message: "E_FUTURE: details"},
		},
		{name: "missing code", body: `{"meta":{"field":"pids"}}`, wantErr: true},
		{name: "not JSON", body: `{"meta":`, wantErr: true},
		{name: "meta of wrong type", body: `{"meta":"E_SYNTAX"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Error
			err := json.Unmarshal([]byte(tt.body), &got)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Unmarshal(%s) = %+v, want an error", tt.body, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.body, err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	err := fmt.Errorf("decoding: %w", NewInvalidValue("pids", "a b", "bad"))
	if !errors.Is(err, &Error{Code: ErrInvalidFieldValue}) {
		t.Errorf("errors.Is(%v, E_INVALID_FIELD_VALUE) = false", err)
	}
	if errors.Is(err, &Error{Code: ErrSyntax}) {
		t.Errorf("errors.Is(%v, E_SYNTAX) = true", err)
	}
	if errors.Is(err, errors.New("other")) {
		t.Errorf("errors.Is matched an unrelated error")
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want []string
	}{
		{"value", NewInvalidValue("pids", "a b", "invalid PID name"), []string{"E_INVALID_FIELD_VALUE", "pids", `"a b"`, "invalid PID name"}},
		{"syntax", NewSyntaxError("line 3, column 1: x"), []string{"E_SYNTAX", "line 3, column 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.err.Error()
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("Error() = %q, missing %q", s, w)
				}
			}
		})
	}
}

func TestErrorHTTPStatus(t *testing.T) {
	if got := NewMissingField("pids").HTTPStatus(); got != http.StatusBadRequest {
		t.Errorf("default status = %d, want %d", got, http.StatusBadRequest)
	}
	e := &Error{Code: ErrInvalidFieldValue, Status: http.StatusRequestEntityTooLarge}
	if got := e.HTTPStatus(); got != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want %d", got, http.StatusRequestEntityTooLarge)
	}
}

func TestErrorBoundsEchoedText(t *testing.T) {
	long := strings.Repeat("é", 200_000) // 400 KB, two bytes a character
	tests := []struct {
		name        string
		err         *Error
		wantValue   int // length in bytes of meta.value
		wantMessage int // maximum length in bytes of meta.message
	}{
		{"value and message", NewInvalidValue("cost-type/cost-mode", long, "unknown cost mode "+long), 256 + len("…"), 1024 + len("…")},
		{"message only", &Error{Code: ErrInvalidFieldValue, Message: "unknown PID " + long}, 0, 1024 + len("…")},
		{"short value", NewInvalidValue("pids", "a<b>&c", "unknown PID a<b>&c"), len("a<b>&c"), len("unknown PID a<b>&c")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.err.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON: %v", err)
			}
			if len(b) > 2*MaxMessageBytes {
				t.Errorf("body is %d bytes, want at most %d", len(b), 2*MaxMessageBytes)
			}
			var body struct {
				Meta struct {
					Value   string `json:"value"`
					Message string `json:"message"`
				} `json:"meta"`
			}
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("Unmarshal(%s): %v", b, err)
			}
			if len(body.Meta.Value) != tt.wantValue {
				t.Errorf("value is %d bytes, want %d", len(body.Meta.Value), tt.wantValue)
			}
			if len(body.Meta.Message) > tt.wantMessage {
				t.Errorf("message is %d bytes, want at most %d", len(body.Meta.Message), tt.wantMessage)
			}
			if !utf8.ValidString(body.Meta.Value) || !utf8.ValidString(body.Meta.Message) {
				t.Error("a cut text is not valid UTF-8")
			}
			if tt.wantValue > 0 && tt.wantValue < len(tt.err.Value) && !strings.HasSuffix(body.Meta.Value, "…") {
				t.Errorf("cut value %q does not end with an ellipsis", body.Meta.Value[len(body.Meta.Value)-8:])
			}
			if tt.wantValue > 0 && !strings.Contains(body.Meta.Message, body.Meta.Value) {
				t.Error("message does not repeat the cut value")
			}
		})
	}
}

func TestErrorMarshalNoHTMLEscape(t *testing.T) {
	b, err := NewInvalidValue("pids", "<i>&", "unknown PID <i>&").MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	if !strings.Contains(string(b), `"value":"<i>&"`) {
		t.Errorf("body %s escapes < > or &", b)
	}
	if strings.HasSuffix(string(b), "\n") {
		t.Errorf("body %q ends with a newline", b)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short", "abc", 3, "abc"},
		{"ascii", "abcdef", 3, "abc…"},
		{"inside a character", "aé", 2, "a…"},
		{"at a boundary", "éa", 2, "é…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Truncate(tt.in, tt.max); got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}
