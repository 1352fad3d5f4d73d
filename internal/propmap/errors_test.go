package propmap_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/propmap"
	"github.com/goalto/goalto/internal/server"
)

// TestFilteredPropertyMapErrors sends invalid requests to the resources
// of the RFC 9240 example and checks the error of RFC 9240, Section 8.6
// and RFC 7285, Section 8.5.2.
func TestFilteredPropertyMapErrors(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9240Dir, "network.yaml"))
	const (
		iacs   = "/propmap/lookup/inet-iacs"
		region = "/propmap/lookup/region"
	)
	tests := []struct {
		name, path, body string
		code             alto.ErrorCode
		field, value     string
	}{
		{"unknown domain type", iacs, `{"entities":["ipv5:192.0.2.1"]}`, alto.ErrInvalidFieldValue, "entities", "ipv5:192.0.2.1"},
		{"domain not in mappings", iacs, `{"entities":["default-network-map.pid:pid1"]}`, alto.ErrInvalidFieldValue, "entities", "default-network-map.pid:pid1"},
		{"unknown network map", region, `{"entities":["other-map.pid:pid1"]}`, alto.ErrInvalidFieldValue, "entities", "other-map.pid:pid1"},
		{"no identifier", iacs, `{"entities":["ipv4:"]}`, alto.ErrInvalidFieldValue, "entities", "ipv4:"},
		{"no colon", iacs, `{"entities":["ipv4"]}`, alto.ErrInvalidFieldValue, "entities", "ipv4"},
		{"bad address", iacs, `{"entities":["ipv4:192.0.2.300"]}`, alto.ErrInvalidFieldValue, "entities", "ipv4:192.0.2.300"},
		{"host bits", iacs, `{"entities":["ipv4:192.0.2.1/24"]}`, alto.ErrInvalidFieldValue, "entities", "ipv4:192.0.2.1/24"},
		{"prefix too long", iacs, `{"entities":["ipv4:192.0.2.0/33"]}`, alto.ErrInvalidFieldValue, "entities", "ipv4:192.0.2.0/33"},
		{"IPv6 in ipv4", iacs, `{"entities":["ipv4:2001:db8::1"]}`, alto.ErrInvalidFieldValue, "entities", "ipv4:2001:db8::1"},
		{"IPv4 in ipv6", iacs, `{"entities":["ipv6:192.0.2.1"]}`, alto.ErrInvalidFieldValue, "entities", "ipv6:192.0.2.1"},
		{"zone", iacs, `{"entities":["ipv6:fe80::1%eth0"]}`, alto.ErrInvalidFieldValue, "entities", "ipv6:fe80::1%eth0"},
		{"bad PID name", region, `{"entities":["default-network-map.pid:a.b"]}`, alto.ErrInvalidFieldValue, "entities", "default-network-map.pid:a.b"},
		{"one bad among good", iacs, `{"entities":["ipv4:192.0.2.1","ipv4:x"]}`, alto.ErrInvalidFieldValue, "entities", "ipv4:x"},
		{"property not offered", iacs, `{"entities":["ipv4:192.0.2.1"],"properties":[".region"]}`, alto.ErrInvalidFieldValue, "properties", ".region"},
		{"bad property name", iacs, `{"entities":["ipv4:192.0.2.1"],"properties":["a b"]}`, alto.ErrInvalidFieldValue, "properties", "a b"},
		{"missing entities", iacs, `{"properties":[".ISP"]}`, alto.ErrMissingField, "entities", ""},
		{"entities not an array", iacs, `{"entities":"ipv4:192.0.2.1"}`, alto.ErrInvalidFieldType, "entities", ""},
		{"entities null", iacs, `{"entities":null}`, alto.ErrInvalidFieldType, "entities", ""},
		{"entity not a string", iacs, `{"entities":[1]}`, alto.ErrInvalidFieldType, "entities", ""},
		{"properties not an array", iacs, `{"entities":[],"properties":{}}`, alto.ErrInvalidFieldType, "properties", ""},
		{"property not a string", iacs, `{"entities":[],"properties":[true]}`, alto.ErrInvalidFieldType, "properties", ""},
		{"body not an object", iacs, `["ipv4:192.0.2.1"]`, alto.ErrSyntax, "", ""},
		{"malformed JSON", iacs, `{"entities":[`, alto.ErrSyntax, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.altoError(t, tt.path, tt.body)
			if e.Code != tt.code {
				t.Errorf("code %s, want %s (%s)", e.Code, tt.code, e.Message)
			}
			if e.Field != tt.field {
				t.Errorf("field %q, want %q", e.Field, tt.field)
			}
			if e.Value != tt.value {
				t.Errorf("value %q, want %q", e.Value, tt.value)
			}
		})
	}
}

// TestValidEntitiesWithoutValues checks that well-formed entities
// without values are no error and are left out of the response (RFC
// 9240, Section 8.6).
func TestValidEntitiesWithoutValues(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9240Dir, "network.yaml"))
	pm := s.propertyMap(t, "/propmap/lookup/region", `{"entities":["default-network-map.pid:nosuchpid","alt-network-map.pid:defaultpid"],"properties":[]}`)
	if len(pm.PropertyMap) != 0 {
		t.Errorf("property map %v, want no entities", pm.PropertyMap)
	}
	pm = s.propertyMap(t, "/propmap/lookup/inet-iacs", `{"entities":["ipv6:2001:db8::1","ipv4:198.51.100.0/24"],"properties":[".ISP"]}`)
	if len(pm.PropertyMap) != 0 {
		t.Errorf("property map %v, want no entities", pm.PropertyMap)
	}
}

// TestPropertyMapHTTPErrors checks the HTTP-level failures of the two
// resource types: the wrong method and the wrong request media type.
func TestPropertyMapHTTPErrors(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9240Dir, "network.yaml"))
	tests := []struct {
		name, method, path, contentType string
		status                          int
	}{
		{"POST to full map", http.MethodPost, "/propmap/full/inet-ia", alto.MediaTypePropMapParams, http.StatusMethodNotAllowed},
		{"GET of filtered map", http.MethodGet, "/propmap/lookup/inet-iacs", "", http.StatusMethodNotAllowed},
		{"wrong media type", http.MethodPost, "/propmap/lookup/inet-iacs", alto.MediaTypeEndpointPropParams, http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, tt.contentType, `{"entities":[]}`, nil)
			if r.status != tt.status {
				t.Errorf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
		})
	}
}

// TestEntityLimits checks the two limits of a request: the number of
// entities, and the number of prefixes with values inside the requested
// prefixes.
func TestEntityLimits(t *testing.T) {
	svc := propmap.New(propmap.Config{MaxEntities: 3, MaxExpandedPrefixes: 4})
	d := alttest.StartConfig(t, daemon.Config{
		Definition: filepath.Join(rfc9240Dir, "network.yaml"),
		Services:   []daemon.Registrar{svc.Register},
	})
	s := &testServer{origin: strings.TrimSuffix(d.IRDURL(), "/directory"), client: &http.Client{}}
	const iacs = "/propmap/lookup/inet-iacs"

	t.Run("entities at the limit", func(t *testing.T) {
		s.propertyMap(t, iacs, `{"entities":["ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.3"]}`)
	})
	t.Run("too many entities", func(t *testing.T) {
		e := s.altoError(t, iacs, `{"entities":["ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.3","ipv4:192.0.2.4"]}`)
		if e.Code != alto.ErrInvalidFieldValue || e.Field != "entities" || e.Value != "4" {
			t.Errorf("error %s field %q value %q, want E_INVALID_FIELD_VALUE entities 4", e.Code, e.Field, e.Value)
		}
	})
	t.Run("too many entities before decoding", func(t *testing.T) {
		// The entries are invalid entity IDs, so only a count before
		// decoding gives the limit's error.
		e := s.altoError(t, iacs, `{"entities":["bad 1","bad 2","bad 3","bad 4"],"properties":["bad name!"]}`)
		if e.Code != alto.ErrInvalidFieldValue || e.Field != "entities" || e.Value != "4" {
			t.Errorf("error %s field %q value %q, want E_INVALID_FIELD_VALUE entities 4", e.Code, e.Field, e.Value)
		}
	})
	t.Run("entity rejections counted", func(t *testing.T) {
		if got := d.Handler().Rejections()[server.ReasonEndpoints]; got != 2 {
			t.Errorf("endpoints rejections = %d, want 2, one per request over the limit", got)
		}
	})
	t.Run("repeated entities count once", func(t *testing.T) {
		s.propertyMap(t, iacs, `{"entities":["ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.3"]}`)
	})
	// Inside 192.0.2.0/27 are 3 prefixes with values: the two /28s and
	// 192.0.2.1 of Table 5. Inside 192.0.2.0/26 are those and the /27 of
	// PID pid2, so a request for both prefixes visits 7.
	t.Run("prefixes within the limit", func(t *testing.T) {
		s.propertyMap(t, iacs, `{"entities":["ipv4:192.0.2.0/27"]}`)
	})
	t.Run("too many prefixes", func(t *testing.T) {
		e := s.altoError(t, iacs, `{"entities":["ipv4:192.0.2.0/27","ipv4:192.0.2.0/26"]}`)
		if e.Code != alto.ErrInvalidFieldValue || e.Field != "entities" || e.Value != "ipv4:192.0.2.0/26" {
			t.Errorf("error %s field %q value %q, want E_INVALID_FIELD_VALUE entities ipv4:192.0.2.0/26", e.Code, e.Field, e.Value)
		}

		if got := d.Handler().Rejections()[server.ReasonEndpoints]; got != 3 {
			t.Errorf("endpoints rejections = %d, want 3: two requests over the entity limit and this one", got)
		}
	})
	t.Run("empty list not counted", func(t *testing.T) {
		pm := s.propertyMap(t, iacs, `{"entities":[],"properties":[".state"]}`)
		if n := len(pm.PropertyMap); n != 5 {
			t.Errorf("%d entities, want the 5 prefixes of Table 5 that set state: %v", n, pm.PropertyMap)
		}
	})
}
