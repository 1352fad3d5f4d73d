package alto

import (
	"bytes"
	"encoding/json"
)

// memberValue returns the raw value of the member name of the JSON
// object obj, without decoding obj. obj must be valid JSON (json.Valid).
// ok is false when obj is not an object or has no such member. Of
// repeated members the last one counts, as in encoding/json. Keys are
// compared exactly, after unquoting those with escapes.
func memberValue(obj []byte, name string) (value []byte, ok bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] != '"' {
			return value, ok
		}
		keyEnd := stringEnd(obj, i)
		key := obj[i:keyEnd]
		i = skipSpace(obj, keyEnd) + 1 // the colon
		i = skipSpace(obj, i)
		end := valueEnd(obj, i)
		if keyIs(key, name) {
			value, ok = obj[i:end], true
		}
		i = skipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i++
		}
	}
}

// keyIs reports whether the quoted JSON string key is name.
func keyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key[1:len(key)-1]) == name
	}
	var s string
	return json.Unmarshal(key, &s) == nil && s == name
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the JSON string
// that starts at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the JSON value that starts at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n' {
		i++
	}
	return i
}
