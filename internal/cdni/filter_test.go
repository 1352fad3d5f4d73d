package cdni_test

import (
	"net/http"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/goalto/goalto/alto"
)

// TestFilteredAdvertisement checks which objects of the advertisement of
// RFC 9241, Section 3.7.2 a filtered request returns (Section 5.6), by
// their capability types and values.
func TestFilteredAdvertisement(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "network.yaml"))
	full := advertisement(t, s.do(t, http.MethodGet, "/cdnifci", "", "", nil))
	all := full.Data.CapabilitiesWithFootprints
	if len(all) != 3 {
		t.Fatalf("full advertisement has %d objects, want 3", len(all))
	}
	tests := []struct {
		name    string
		body    string
		objects []int // indexes into the full advertisement
	}{
		{"empty list is full", `{"cdni-capabilities":[]}`, []int{0, 1, 2}},
		{"https delivery", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["https/1.1"]}}]}`, []int{1}},
		{"http delivery", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["http/1.1"]}}]}`, []int{0, 1}},
		{"both protocols", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["http/1.1","https/1.1"]}}]}`, []int{1}},
		{"acquisition", `{"cdni-capabilities":[{"capability-type":"FCI.AcquisitionProtocol","capability-value":{"acquisition-protocols":["https/1.1"]}}]}`, []int{2}},
		{"two capabilities", `{"cdni-capabilities":[
			{"capability-type":"FCI.AcquisitionProtocol","capability-value":{"acquisition-protocols":["https/1.1"]}},
			{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["https/1.1"]}}]}`, []int{1, 2}},
		{"repeated capability", `{"cdni-capabilities":[
			{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["https/1.1"]}},
			{"capability-value":{"delivery-protocols":["https/1.1"]},"capability-type":"FCI.DeliveryProtocol"}]}`, []int{1}},
		{"unknown member ignored", `{"cdni-capabilities":[],"note":"x"}`, []int{0, 1, 2}},
		{"unoffered protocol", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["http/2"]}}]}`, nil},
		{"unoffered type", `{"cdni-capabilities":[{"capability-type":"FCI.RedirectionMode","capability-value":{"redirection-modes":["DNS-I"]}}]}`, nil},
		{"type of other value", `{"cdni-capabilities":[{"capability-type":"FCI.AcquisitionProtocol","capability-value":{"acquisition-protocols":["http/1.1"]}}]}`, nil},
		{"extra requested member", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["https/1.1"],"x":[]}}]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := advertisement(t, s.filter(t, "/cdnifci/filtered", tt.body))
			want := []alto.BaseAdvertisementObject{}
			for _, i := range tt.objects {
				want = append(want, all[i])
			}
			if !reflect.DeepEqual(got.Data.CapabilitiesWithFootprints, want) {
				t.Errorf("objects %+v, want %+v", got.Data.CapabilitiesWithFootprints, want)
			}
			if got.Meta.VTag == nil || got.Meta.VTag.Tag != full.Meta.VTag.Tag {
				t.Errorf("vtag %+v, want the tag %s of the full advertisement", got.Meta.VTag, full.Meta.VTag.Tag)
			}
			if got.Meta.VTag != nil && got.Meta.VTag.ResourceID != "my-filtered-cdnifci" {
				t.Errorf("vtag resource-id %q, want my-filtered-cdnifci", got.Meta.VTag.ResourceID)
			}
		})
	}
}

// TestFilteredAdvertisementErrors checks the error of each kind of
// invalid request (RFC 9241, Section 5.6, and RFC 7285, Section 8.5.2).
func TestFilteredAdvertisementErrors(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "network.yaml"))
	tests := []struct {
		name  string
		body  string
		code  alto.ErrorCode
		field string
		value string
	}{
		{"not JSON", `{"cdni-capabilities":`, alto.ErrSyntax, "", ""},
		{"array body", `[]`, alto.ErrSyntax, "", ""},
		{"null body", `null`, alto.ErrSyntax, "", ""},
		{"no capabilities", `{}`, alto.ErrMissingField, "cdni-capabilities", ""},
		{"capabilities object", `{"cdni-capabilities":{}}`, alto.ErrInvalidFieldType, "cdni-capabilities", ""},
		{"capability string", `{"cdni-capabilities":["FCI.DeliveryProtocol"]}`, alto.ErrInvalidFieldType, "cdni-capabilities", ""},
		{"no type", `{"cdni-capabilities":[{"capability-value":{"delivery-protocols":["http/1.1"]}}]}`,
			alto.ErrMissingField, "cdni-capabilities/capability-type", ""},
		{"no value", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol"}]}`,
			alto.ErrMissingField, "cdni-capabilities/capability-value", ""},
		{"null type", `{"cdni-capabilities":[{"capability-type":null,"capability-value":{"delivery-protocols":["http/1.1"]}}]}`,
			alto.ErrInvalidFieldValue, "cdni-capabilities", `{"capability-type":null,"capability-value":{"delivery-protocols":["http/1.1"]}}`},
		{"null value", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":null}]}`,
			alto.ErrInvalidFieldValue, "cdni-capabilities", `{"capability-type":"FCI.DeliveryProtocol","capability-value":null}`},
		{"numeric type", `{"cdni-capabilities":[{"capability-type":7,"capability-value":{}}]}`,
			alto.ErrInvalidFieldType, "cdni-capabilities/capability-type", ""},
		{"value of other type", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"acquisition-protocols":["http/1.1"]}}]}`,
			alto.ErrInvalidFieldValue, "cdni-capabilities", `{"capability-type":"FCI.DeliveryProtocol","capability-value":{"acquisition-protocols":["http/1.1"]}}`},
		{"value array", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":["https/1.1"]}]}`,
			alto.ErrInvalidFieldValue, "cdni-capabilities", `{"capability-type":"FCI.DeliveryProtocol","capability-value":["https/1.1"]}`},
		{"protocols not strings", `{"cdni-capabilities":[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":[1]}}]}`,
			alto.ErrInvalidFieldValue, "cdni-capabilities", `{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":[1]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := altoError(t, s.filter(t, "/cdnifci/filtered", tt.body))
			if e.Code != tt.code {
				t.Errorf("code %s, want %s (%v)", e.Code, tt.code, e)
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

// TestFilteredAdvertisementHTTP checks the media type and method checks
// of the filtered resource and of the full one.
func TestFilteredAdvertisementHTTP(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "network.yaml"))
	body := `{"cdni-capabilities":[]}`
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		status      int
	}{
		// The media type that RFC 9241, Section 5.7.1 prints by mistake.
		{"unregistered media type", http.MethodPost, "/cdnifci/filtered", "application/cdnifilter+json", http.StatusUnsupportedMediaType},
		{"GET filtered", http.MethodGet, "/cdnifci/filtered", "", http.StatusMethodNotAllowed},
		{"POST full", http.MethodPost, "/cdnifci", alto.MediaTypeCDNIFilter, http.StatusMethodNotAllowed},
		{"registered media type", http.MethodPost, "/cdnifci/filtered", alto.MediaTypeCDNIFilter, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, tt.contentType, body, nil)
			if r.status != tt.status {
				t.Errorf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
		})
	}
}
