package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
)

// httpGetResources are the GET resources of the built-in network with
// their media types. The cost maps also give their cost type.
var httpGetResources = []struct {
	path      string
	mediaType string
	costType  alto.CostType // zero for resources other than cost maps
}{
	{"/directory", alto.MediaTypeDirectory, alto.CostType{}},
	{"/networkmap", alto.MediaTypeNetworkMap, alto.CostType{}},
	{"/costmap/num/routingcost", alto.MediaTypeCostMap, alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}},
	{"/costmap/num/hopcount", alto.MediaTypeCostMap, alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount}},
	{"/costmap/ord/routingcost", alto.MediaTypeCostMap, alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost}},
	{"/costmap/ord/hopcount", alto.MediaTypeCostMap, alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricHopCount}},
}

// httpPostResources are the POST services of the built-in network with
// the media types of their requests and responses, and a valid request.
var httpPostResources = []struct {
	path      string
	accepts   string
	mediaType string
	body      string
}{
	{"/networkmap/filtered", alto.MediaTypeNetworkMapFilter, alto.MediaTypeNetworkMap, `{"pids":[]}`},
	{"/costmap/filtered", alto.MediaTypeCostMapFilter, alto.MediaTypeCostMap,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}}`},
	{"/endpointprop/lookup", alto.MediaTypeEndpointPropParams, alto.MediaTypeEndpointProp,
		`{"properties":["lhcone-network-map.pid"],"endpoints":["ipv4:192.0.2.1"]}`},
	{"/endpointcost/lookup", alto.MediaTypeEndpointCostParams, alto.MediaTypeEndpointCost,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}}`},
}

// acceptsOf returns the request media type of a POST service.
func acceptsOf(t *testing.T, path string) string {
	t.Helper()
	for _, r := range httpPostResources {
		if r.path == path {
			return r.accepts
		}
	}
	t.Fatalf("no POST service at %s", path)
	return ""
}

// httpHarness sends requests to one running server through a client
// that leaves Accept-Encoding alone, so that compression is visible.
type httpHarness struct {
	t      *testing.T
	origin string // scheme and authority, such as http://127.0.0.1:8181
	client *http.Client
}

func newHTTPHarness(t *testing.T) *httpHarness {
	t.Helper()
	return harnessFor(t, alttest.Start(t, ""))
}

func newHTTPHarnessConfig(t *testing.T, cfg daemon.Config) *httpHarness {
	t.Helper()
	return harnessFor(t, alttest.StartConfig(t, cfg).IRDURL())
}

func harnessFor(t *testing.T, irdURL string) *httpHarness {
	t.Helper()
	u, err := url.Parse(irdURL)
	if err != nil {
		t.Fatalf("directory URL %q: %v", irdURL, err)
	}
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &httpHarness{t: t, origin: u.Scheme + "://" + u.Host, client: &http.Client{Transport: tr}}
}

// do sends one request. The header arguments are name and value pairs.
func (h *httpHarness) do(method, path, body string, header ...string) (*http.Response, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.origin+path, rd)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, data
}

// getOK fetches a GET resource, checks the status and media type, and
// returns the body.
func (h *httpHarness) getOK(path, mediaType string) []byte {
	h.t.Helper()
	resp, body := h.do(http.MethodGet, path, "")
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: status %d, want 200: %s", path, resp.StatusCode, body)
	}
	checkMediaType(h.t, resp, mediaType)
	return body
}

// post sends a POST request with the service's request media type.
func (h *httpHarness) post(path, body string, header ...string) (*http.Response, []byte) {
	h.t.Helper()
	return h.do(http.MethodPost, path, body, append([]string{"Content-Type", acceptsOf(h.t, path)}, header...)...)
}

// postOK sends a POST request, checks for 200 with the media type and
// decodes the JSON response into out.
func (h *httpHarness) postOK(path, mediaType, body string, out any) []byte {
	h.t.Helper()
	resp, data := h.post(path, body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("POST %s %s: status %d, want 200: %s", path, body, resp.StatusCode, data)
	}
	checkMediaType(h.t, resp, mediaType)
	if err := json.Unmarshal(data, out); err != nil {
		h.t.Fatalf("POST %s %s: decoding %s: %v", path, body, data, err)
	}
	return data
}

// postError sends a POST request that must fail with an ALTO error.
func (h *httpHarness) postError(path, body string) *alto.Error {
	h.t.Helper()
	resp, data := h.post(path, body)
	return checkALTOErrorResponse(h.t, "POST "+path+" "+body, resp, data)
}

// checkALTOErrorResponse checks a 400 response with an
// application/alto-error+json body (RFC 7285, Section 8.5) and decodes it.
func checkALTOErrorResponse(t *testing.T, request string, resp *http.Response, body []byte) *alto.Error {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("%s: status %d, want 400: %s", request, resp.StatusCode, body)
	}
	checkMediaType(t, resp, alto.MediaTypeError)
	var raw struct {
		Meta map[string]any `json:"meta"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("%s: error body %s is not JSON: %v", request, body, err)
	}
	if code, ok := raw.Meta["code"].(string); !ok || code == "" {
		t.Errorf("%s: error body %s has no meta code string", request, body)
	}
	for _, k := range []string{"field", "value", "syntax-error"} {
		if v, ok := raw.Meta[k]; ok {
			if _, isString := v.(string); !isString {
				t.Errorf("%s: meta %q = %v, want a JSON string", request, k, v)
			}
		}
	}
	if _, hasValue := raw.Meta["value"]; hasValue {
		if _, hasField := raw.Meta["field"]; !hasField {
			t.Errorf("%s: error body %s has a value without a field (RFC 7285, Section 8.5.2)", request, body)
		}
	}
	var e alto.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: error body %s does not decode into alto.Error: %v", request, body, err)
	}
	return &e
}

func checkMediaType(t *testing.T, resp *http.Response, want string) {
	t.Helper()
	got, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || got != want {
		t.Errorf("%s %s: Content-Type %q, want %s", resp.Request.Method, resp.Request.URL.Path, resp.Header.Get("Content-Type"), want)
	}
}

func checkALTOError(t *testing.T, e *alto.Error, code alto.ErrorCode, field, value string) {
	t.Helper()
	if e.Code != code {
		t.Errorf("code = %s, want %s (%v)", e.Code, code, e)
	}
	if e.Field != field {
		t.Errorf("field = %q, want %q (%v)", e.Field, field, e)
	}
	if value != "" && e.Value != value {
		t.Errorf("value = %q, want %q (%v)", e.Value, value, e)
	}
}

// checkNotHTML fails if a body looks like an HTML page.
func checkNotHTML(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "html") {
		t.Errorf("Content-Type %q is HTML", ct)
	}
	lower := strings.ToLower(string(body))
	if strings.Contains(lower, "<html") || strings.Contains(lower, "<!doctype") || strings.Contains(lower, "<body") {
		t.Errorf("body is HTML: %s", body)
	}
}

func (h *httpHarness) networkMap() alto.NetworkMap {
	h.t.Helper()
	var nm alto.NetworkMap
	if err := json.Unmarshal(h.getOK("/networkmap", alto.MediaTypeNetworkMap), &nm); err != nil {
		h.t.Fatalf("decoding the network map: %v", err)
	}
	if nm.Meta.VTag == nil || nm.Meta.VTag.Tag == "" {
		h.t.Fatalf("network map without vtag: %+v", nm.Meta)
	}
	return nm
}

func (h *httpHarness) costMap(path string) alto.CostMap {
	h.t.Helper()
	var cm alto.CostMap
	if err := json.Unmarshal(h.getOK(path, alto.MediaTypeCostMap), &cm); err != nil {
		h.t.Fatalf("decoding %s: %v", path, err)
	}
	return cm
}

// pidOf returns the PID whose prefix is the longest match for addr (RFC
// 7285, Section 11.2.2), computed from the network map response.
func pidOf(nm alto.NetworkMap, addr netip.Addr) (string, bool) {
	best, bits := "", -1
	for pid, group := range nm.NetworkMap {
		for _, prefixes := range group {
			for _, p := range prefixes {
				if p.Contains(addr) && p.Bits() > bits {
					best, bits = pid, p.Bits()
				}
			}
		}
	}
	return best, bits >= 0
}

// defaultPID returns the PID that holds 0.0.0.0/0, or "".
func defaultPID(nm alto.NetworkMap) string {
	for pid, group := range nm.NetworkMap {
		for _, p := range group[alto.AddressTypeIPv4] {
			if p.Bits() == 0 {
				return pid
			}
		}
	}
	return ""
}

// siteAddr is an address inside a site's prefix, with the PID that the
// network map gives it.
type siteAddr struct {
	pid  string
	addr netip.Addr
}

// siteAddrs returns one IPv4 address of each PID other than the default,
// taken from the PID's first prefix that has room for two hosts, and
// checked against the longest-prefix match over the whole map.
func siteAddrs(t *testing.T, nm alto.NetworkMap) []siteAddr {
	t.Helper()
	def := defaultPID(nm)
	var out []siteAddr
	for _, pid := range sortedKeys(nm.NetworkMap) {
		if pid == def {
			continue
		}
		for _, p := range nm.NetworkMap[pid][alto.AddressTypeIPv4] {
			if p.Bits() > 30 {
				continue
			}
			a := p.Addr().Next()
			if got, _ := pidOf(nm, a); got == pid {
				out = append(out, siteAddr{pid, a})
				break
			}
		}
	}
	if len(out) < 3 {
		t.Fatalf("the network map has %d site PIDs with IPv4 prefixes, want at least 3", len(out))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func typed(a netip.Addr) string {
	if a.Is4() {
		return "ipv4:" + a.String()
	}
	return "ipv6:" + a.String()
}

func jsonList(items []string) string {
	b, _ := json.Marshal(items)
	return string(b)
}

func TestHTTPGetResources(t *testing.T) {
	h := newHTTPHarness(t)
	nm := h.networkMap()
	for _, r := range httpGetResources {
		t.Run(r.path, func(t *testing.T) {
			resp, body := h.do(http.MethodGet, r.path, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
			}
			checkMediaType(t, resp, r.mediaType)
			if etag := resp.Header.Get("ETag"); len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
				t.Errorf("ETag %q, want a quoted entity tag", etag)
			}
			if cl := resp.Header.Get("Content-Length"); cl != fmt.Sprint(len(body)) {
				t.Errorf("Content-Length %q, body has %d bytes", cl, len(body))
			}
			if !json.Valid(body) {
				t.Fatalf("body is not valid JSON: %s", body)
			}
			if r.costType.Mode == "" {
				return
			}
			var cm alto.CostMap
			if err := json.Unmarshal(body, &cm); err != nil {
				t.Fatalf("decoding cost map: %v", err)
			}
			if cm.Meta.CostType == nil || !cm.Meta.CostType.Equal(r.costType) {
				t.Errorf("cost-type %+v, want %+v", cm.Meta.CostType, r.costType)
			}
			if len(cm.Meta.DependentVTags) != 1 || cm.Meta.DependentVTags[0] != *nm.Meta.VTag {
				t.Errorf("dependent-vtags %+v, want [%+v]", cm.Meta.DependentVTags, *nm.Meta.VTag)
			}
			for src, row := range cm.CostMap {
				if _, ok := nm.NetworkMap[src]; !ok {
					t.Errorf("cost map source %q is not a PID of the network map", src)
				}
				for dst := range row {
					if _, ok := nm.NetworkMap[dst]; !ok {
						t.Errorf("cost map destination %q is not a PID of the network map", dst)
					}
				}
			}
		})
	}
}

func TestHTTPDirectoryListsResources(t *testing.T) {
	h := newHTTPHarness(t)
	var dir alto.Directory
	if err := json.Unmarshal(h.getOK("/directory", alto.MediaTypeDirectory), &dir); err != nil {
		t.Fatalf("decoding the directory: %v", err)
	}
	base, _ := url.Parse(h.origin + "/directory")
	byPath := map[string]alto.ResourceEntry{}
	for _, e := range dir.Resources {
		u, err := base.Parse(e.URI)
		if err != nil {
			t.Fatalf("resource URI %q: %v", e.URI, err)
		}
		byPath[u.Path] = e
	}
	for _, r := range httpGetResources[1:] {
		if e, ok := byPath[r.path]; !ok || e.MediaType != r.mediaType || e.Accepts != "" {
			t.Errorf("directory entry for %s = %+v, want media type %s and no accepts", r.path, e, r.mediaType)
		}
	}
	for _, r := range httpPostResources {
		if e, ok := byPath[r.path]; !ok || e.MediaType != r.mediaType || e.Accepts != r.accepts {
			t.Errorf("directory entry for %s = %+v, want media type %s accepting %s", r.path, e, r.mediaType, r.accepts)
		}
	}
}

func TestHTTPHead(t *testing.T) {
	h := newHTTPHarness(t)
	for _, r := range httpGetResources {
		t.Run(r.path, func(t *testing.T) {
			getResp, getBody := h.do(http.MethodGet, r.path, "")
			resp, body := h.do(http.MethodHead, r.path, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if len(body) != 0 {
				t.Errorf("HEAD body has %d bytes, want none", len(body))
			}
			checkMediaType(t, resp, r.mediaType)
			for _, name := range []string{"ETag", "Content-Length", "Content-Type"} {
				if got, want := resp.Header.Get(name), getResp.Header.Get(name); got != want {
					t.Errorf("HEAD %s = %q, GET gives %q", name, got, want)
				}
			}
			if cl := resp.Header.Get("Content-Length"); cl != fmt.Sprint(len(getBody)) {
				t.Errorf("HEAD Content-Length %q, GET body has %d bytes", cl, len(getBody))
			}
		})
	}
}

func TestHTTPConditionalGet(t *testing.T) {
	h := newHTTPHarness(t)
	for _, r := range httpGetResources {
		t.Run(r.path, func(t *testing.T) {
			first, firstBody := h.do(http.MethodGet, r.path, "")
			etag := first.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			tests := []struct {
				name        string
				ifNoneMatch string
				want        int
			}{
				{"same tag", etag, http.StatusNotModified},
				{"weak form", "W/" + etag, http.StatusNotModified},
				{"in a list", `"other", ` + etag, http.StatusNotModified},
				{"any", "*", http.StatusNotModified},
				{"other tag", `"other"`, http.StatusOK},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					resp, body := h.do(http.MethodGet, r.path, "", "If-None-Match", tt.ifNoneMatch)
					if resp.StatusCode != tt.want {
						t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
					}
					if got := resp.Header.Get("ETag"); got != etag {
						t.Errorf("ETag %q, want %q", got, etag)
					}
					if tt.want == http.StatusNotModified && len(body) != 0 {
						t.Errorf("304 with a %d-byte body", len(body))
					}
					if tt.want == http.StatusOK && !bytes.Equal(body, firstBody) {
						t.Errorf("200 body differs from the first GET")
					}
				})
			}
		})
	}
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	return out
}

func checkGzipped(t *testing.T, resp *http.Response, body, plain []byte) {
	t.Helper()
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", ce)
	}
	if !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q, want Accept-Encoding", resp.Header.Values("Vary"))
	}
	if got := gunzip(t, body); !bytes.Equal(got, plain) {
		t.Errorf("decompressed body (%d bytes) differs from the plain body (%d bytes)", len(got), len(plain))
	}
}

func TestHTTPGzip(t *testing.T) {
	h := newHTTPHarness(t)
	for _, r := range httpGetResources {
		t.Run(r.path, func(t *testing.T) {
			plainResp, plain := h.do(http.MethodGet, r.path, "")
			if ce := plainResp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding %q without Accept-Encoding", ce)
			}
			resp, body := h.do(http.MethodGet, r.path, "", "Accept-Encoding", "gzip")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			checkMediaType(t, resp, r.mediaType)
			checkGzipped(t, resp, body, plain)

			// Each content coding is its own representation with its own
			// strong validator (RFC 9110, Section 8.8.3).
			gzipTag := resp.Header.Get("ETag")
			if gzipTag == "" || gzipTag == plainResp.Header.Get("ETag") {
				t.Errorf("gzip ETag %q, want one that differs from the identity ETag %q", gzipTag, plainResp.Header.Get("ETag"))
			}
			revalidated, _ := h.do(http.MethodGet, r.path, "", "Accept-Encoding", "gzip", "If-None-Match", gzipTag)
			if revalidated.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match with the gzip ETag: status %d, want 304", revalidated.StatusCode)
			}

			identity, identityBody := h.do(http.MethodGet, r.path, "", "Accept-Encoding", "gzip;q=0, identity")
			if ce := identity.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding %q with gzip;q=0", ce)
			}
			if !bytes.Equal(identityBody, plain) {
				t.Errorf("body with gzip;q=0 differs from the plain body")
			}
		})
	}
	t.Run("POST /networkmap/filtered", func(t *testing.T) {
		_, plain := h.post("/networkmap/filtered", `{"pids":[]}`)
		resp, body := h.post("/networkmap/filtered", `{"pids":[]}`, "Accept-Encoding", "gzip")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		checkGzipped(t, resp, body, plain)
	})
}

func TestHTTPAcceptNegotiation(t *testing.T) {
	h := newHTTPHarness(t)
	tests := []struct {
		accept string // "" sends no Accept header
		want   int
	}{
		{"", http.StatusOK},
		{alto.MediaTypeNetworkMap, http.StatusOK},
		{alto.MediaTypeNetworkMap + "," + alto.MediaTypeError, http.StatusOK},
		{"*/*", http.StatusOK},
		{"application/*", http.StatusOK},
		{"text/html, */*;q=0.1", http.StatusOK},
		{"text/html", http.StatusNotAcceptable},
		{"application/json", http.StatusNotAcceptable},
		{alto.MediaTypeCostMap, http.StatusNotAcceptable},
		{alto.MediaTypeNetworkMap + ";q=0", http.StatusNotAcceptable},
		{alto.MediaTypeNetworkMap + ";q=0, */*", http.StatusNotAcceptable},
		{"application/*;q=0", http.StatusNotAcceptable},
	}
	for _, tt := range tests {
		name := tt.accept
		if name == "" {
			name = "no Accept"
		}
		t.Run(name, func(t *testing.T) {
			var resp *http.Response
			var body []byte
			if tt.accept == "" {
				resp, body = h.do(http.MethodGet, "/networkmap", "")
			} else {
				resp, body = h.do(http.MethodGet, "/networkmap", "", "Accept", tt.accept)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK {
				checkMediaType(t, resp, alto.MediaTypeNetworkMap)
			} else {
				checkNotHTML(t, resp, body)
			}
		})
	}
	t.Run("POST with the RFC example Accept", func(t *testing.T) {
		resp, body := h.post("/costmap/filtered", httpPostResources[1].body, "Accept", alto.MediaTypeCostMap+","+alto.MediaTypeError)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
		}
	})
	t.Run("POST accepting only HTML", func(t *testing.T) {
		resp, body := h.post("/costmap/filtered", httpPostResources[1].body, "Accept", "text/html")
		if resp.StatusCode != http.StatusNotAcceptable {
			t.Fatalf("status %d, want 406: %s", resp.StatusCode, body)
		}
	})
}

func TestHTTPMethodNotAllowed(t *testing.T) {
	h := newHTTPHarness(t)
	tests := []struct {
		method, path, allow string
	}{
		{http.MethodGet, "/networkmap/filtered", "POST"},
		{http.MethodGet, "/costmap/filtered", "POST"},
		{http.MethodGet, "/endpointprop/lookup", "POST"},
		{http.MethodGet, "/endpointcost/lookup", "POST"},
		{http.MethodHead, "/endpointcost/lookup", "POST"},
		{http.MethodPut, "/costmap/filtered", "POST"},
		{http.MethodPost, "/networkmap", "GET, HEAD"},
		{http.MethodPost, "/directory", "GET, HEAD"},
		{http.MethodPost, "/costmap/num/routingcost", "GET, HEAD"},
		{http.MethodDelete, "/networkmap", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := h.do(tt.method, tt.path, "", "Content-Type", alto.MediaTypeNetworkMapFilter)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405: %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			checkNotHTML(t, resp, body)
		})
	}
}

func TestHTTPNotFound(t *testing.T) {
	h := newHTTPHarness(t)
	for _, path := range []string{"/nothing", "/networkmap/", "/directory/extra", "/NETWORKMAP", "/costmap/num"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(method+" "+path, func(t *testing.T) {
				resp, body := h.do(method, path, `{"pids":[]}`, "Content-Type", alto.MediaTypeNetworkMapFilter)
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("status %d, want 404: %s", resp.StatusCode, body)
				}
				checkNotHTML(t, resp, body)
			})
		}
	}
}

func TestHTTPUnsupportedMediaType(t *testing.T) {
	h := newHTTPHarness(t)
	for _, r := range httpPostResources {
		t.Run(r.path, func(t *testing.T) {
			wrong := []string{"text/plain", "application/json", "", "not a media type", alto.MediaTypeError}
			for _, other := range httpPostResources {
				if other.accepts != r.accepts {
					wrong = append(wrong, other.accepts)
				}
			}
			for _, ct := range wrong {
				resp, body := h.do(http.MethodPost, r.path, r.body, "Content-Type", ct)
				if resp.StatusCode != http.StatusUnsupportedMediaType {
					t.Errorf("Content-Type %q: status %d, want 415: %s", ct, resp.StatusCode, body)
				}
				checkNotHTML(t, resp, body)
			}
			resp, body := h.do(http.MethodPost, r.path, r.body, "Content-Type", r.accepts+"; charset=utf-8")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("Content-Type with charset: status %d, want 200: %s", resp.StatusCode, body)
			}
			checkMediaType(t, resp, r.mediaType)
		})
	}
}

func TestHTTPBodyTooLarge(t *testing.T) {
	const limit = 256
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{MaxBodyBytes: limit}})
	padded := func(n int) string {
		body := `{"pids":[],"pad":"`
		return body + strings.Repeat("x", n-len(body)-2) + `"}`
	}
	for _, r := range httpPostResources {
		t.Run(r.path, func(t *testing.T) {
			big := r.body[:len(r.body)-1] + `,"pad":"` + strings.Repeat("x", limit) + `"}`
			resp, body := h.post(r.path, big)
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("%d-byte body: status %d, want 413: %s", len(big), resp.StatusCode, body)
			}
			checkNotHTML(t, resp, body)
		})
	}
	t.Run("at the limit", func(t *testing.T) {
		resp, body := h.post("/networkmap/filtered", padded(limit))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d-byte body: status %d, want 200: %s", limit, resp.StatusCode, body)
		}
	})
	t.Run("one byte over", func(t *testing.T) {
		resp, body := h.post("/networkmap/filtered", padded(limit+1))
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d-byte body: status %d, want 413: %s", limit+1, resp.StatusCode, body)
		}
	})
}

func TestHTTPTooManyEntries(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{MaxPIDs: 2, MaxEndpoints: 2}})
	ct := `"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}`
	three := `["A","B","C"]`
	addrs := `["ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.3"]`
	tests := []struct {
		name, path, body, field string
	}{
		{"pids", "/networkmap/filtered", `{"pids":` + three + `}`, "pids"},
		{"cost map srcs", "/costmap/filtered", `{` + ct + `,"pids":{"srcs":` + three + `,"dsts":[]}}`, "pids/srcs"},
		{"cost map dsts", "/costmap/filtered", `{` + ct + `,"pids":{"srcs":[],"dsts":` + three + `}}`, "pids/dsts"},
		{"property endpoints", "/endpointprop/lookup", `{"properties":["lhcone-network-map.pid"],"endpoints":` + addrs + `}`, "endpoints"},
		{"cost srcs", "/endpointcost/lookup", `{` + ct + `,"endpoints":{"srcs":` + addrs + `,"dsts":["ipv4:192.0.2.1"]}}`, "endpoints/srcs"},
		{"cost dsts", "/endpointcost/lookup", `{` + ct + `,"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":` + addrs + `}}`, "endpoints/dsts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := h.postError(tt.path, tt.body)
			checkALTOError(t, e, alto.ErrInvalidFieldValue, tt.field, "")
		})
	}
	t.Run("duplicates count once", func(t *testing.T) {
		var nm alto.NetworkMap
		h.postOK("/networkmap/filtered", alto.MediaTypeNetworkMap, `{"pids":["A","B","A","B","A"]}`, &nm)
		var ep alto.EndpointPropertyMap
		h.postOK("/endpointprop/lookup", alto.MediaTypeEndpointProp,
			`{"properties":["lhcone-network-map.pid"],"endpoints":["ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.1"]}`, &ep)
		if len(ep.EndpointProperties) != 2 {
			t.Errorf("endpoint properties for %d endpoints, want 2", len(ep.EndpointProperties))
		}
	})
}

func TestHTTPMalformedJSON(t *testing.T) {
	h := newHTTPHarness(t)
	bodies := []struct {
		name, body, position string
	}{
		{"truncated", `{"pids": [`, "line 1"},
		{"bad token on line 3", "{\n  \"a\": 1,\n  \"b\": nope\n}", "line 3, column 9"},
		{"not an object", `["pids"]`, ""},
	}
	for _, r := range httpPostResources {
		for _, b := range bodies {
			t.Run(r.path+" "+b.name, func(t *testing.T) {
				e := h.postError(r.path, b.body)
				checkALTOError(t, e, alto.ErrSyntax, "", "")
				if !strings.Contains(e.SyntaxError, b.position) {
					t.Errorf("syntax-error %q, want it to contain %q", e.SyntaxError, b.position)
				}
			})
		}
	}
}

func TestHTTPRequestErrors(t *testing.T) {
	h := newHTTPHarness(t)
	tests := []struct {
		name, path, body string
		code             alto.ErrorCode
		field, value     string
	}{
		{"missing pids", "/networkmap/filtered", `{}`, alto.ErrMissingField, "pids", ""},
		{"pids is a string", "/networkmap/filtered", `{"pids":"AGLT2"}`, alto.ErrInvalidFieldType, "pids", ""},
		{"pid is a number", "/networkmap/filtered", `{"pids":[7]}`, alto.ErrInvalidFieldType, "pids", ""},
		{"invalid PID", "/networkmap/filtered", `{"pids":["no such/pid"]}`, alto.ErrInvalidFieldValue, "pids", "no such/pid"},
		{"missing cost type", "/costmap/filtered", `{"pids":{"srcs":[],"dsts":[]}}`, alto.ErrMissingField, "cost-type", ""},
		{"missing cost mode", "/costmap/filtered", `{"cost-type":{"cost-metric":"routingcost"}}`, alto.ErrMissingField, "cost-type/cost-mode", ""},
		{"bad constraint", "/costmap/filtered", `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"constraints":["about 3"]}`, alto.ErrInvalidFieldValue, "constraints", "about 3"},
		{"missing properties", "/endpointprop/lookup", `{"endpoints":["ipv4:192.0.2.1"]}`, alto.ErrMissingField, "properties", ""},
		{"missing endpoints", "/endpointprop/lookup", `{"properties":["lhcone-network-map.pid"]}`, alto.ErrMissingField, "endpoints", ""},
		{"untyped endpoint", "/endpointprop/lookup", `{"properties":["lhcone-network-map.pid"],"endpoints":["192.0.2.1"]}`, alto.ErrInvalidFieldValue, "endpoints", "192.0.2.1"},
		{"zoned endpoint", "/endpointcost/lookup", `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv6:fe80::1%eth0"]}}`, alto.ErrInvalidFieldValue, "endpoints/srcs", "ipv6:fe80::1%eth0"},
		{"missing cost endpoints", "/endpointcost/lookup", `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}}`, alto.ErrMissingField, "endpoints", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkALTOError(t, h.postError(tt.path, tt.body), tt.code, tt.field, tt.value)
		})
	}
}

func TestHTTPFilteredNetworkMap(t *testing.T) {
	h := newHTTPHarness(t)
	full := h.networkMap()
	pids := sortedKeys(full.NetworkMap)
	if len(pids) < 3 {
		t.Fatalf("network map has %d PIDs, want at least 3", len(pids))
	}
	filter := func(t *testing.T, body string) alto.NetworkMap {
		t.Helper()
		var nm alto.NetworkMap
		h.postOK("/networkmap/filtered", alto.MediaTypeNetworkMap, body, &nm)
		if nm.Meta.VTag == nil || *nm.Meta.VTag != *full.Meta.VTag {
			t.Errorf("vtag %+v, want the network map's %+v", nm.Meta.VTag, *full.Meta.VTag)
		}
		return nm
	}

	t.Run("subset", func(t *testing.T) {
		want := []string{pids[0], pids[len(pids)-1]}
		nm := filter(t, `{"pids":`+jsonList(want)+`}`)
		if got := sortedKeys(nm.NetworkMap); !slices.Equal(got, want) {
			t.Fatalf("PIDs %q, want %q", got, want)
		}
		for _, pid := range want {
			if !equalGroups(nm.NetworkMap[pid], full.NetworkMap[pid]) {
				t.Errorf("PID %s = %v, the full map has %v", pid, nm.NetworkMap[pid], full.NetworkMap[pid])
			}
		}
	})
	t.Run("unknown PID ignored", func(t *testing.T) {
		unknown := "no-such-pid"
		if _, ok := full.NetworkMap[unknown]; ok {
			t.Fatalf("the network map has a PID %q", unknown)
		}
		nm := filter(t, `{"pids":["`+unknown+`","`+pids[1]+`"]}`)
		if got := sortedKeys(nm.NetworkMap); !slices.Equal(got, []string{pids[1]}) {
			t.Errorf("PIDs %q, want [%q]", got, pids[1])
		}
	})
	t.Run("only unknown PIDs", func(t *testing.T) {
		nm := filter(t, `{"pids":["no-such-pid"]}`)
		if len(nm.NetworkMap) != 0 {
			t.Errorf("PIDs %q, want none", sortedKeys(nm.NetworkMap))
		}
	})
	t.Run("empty pids means all", func(t *testing.T) {
		nm := filter(t, `{"pids":[]}`)
		if !equalNetworkMaps(nm.NetworkMap, full.NetworkMap) {
			t.Errorf("filtered map with empty pids differs from the full map")
		}
	})
	t.Run("ipv6 only", func(t *testing.T) {
		nm := filter(t, `{"pids":[],"address-types":["ipv6"]}`)
		for pid, group := range nm.NetworkMap {
			if _, ok := group[alto.AddressTypeIPv4]; ok {
				t.Errorf("PID %s has ipv4 prefixes in an ipv6-only map", pid)
			}
			if !slices.Equal(group[alto.AddressTypeIPv6], full.NetworkMap[pid][alto.AddressTypeIPv6]) {
				t.Errorf("PID %s ipv6 = %v, the full map has %v", pid, group[alto.AddressTypeIPv6], full.NetworkMap[pid][alto.AddressTypeIPv6])
			}
		}
		for pid, group := range full.NetworkMap {
			if len(group[alto.AddressTypeIPv6]) > 0 && len(nm.NetworkMap[pid][alto.AddressTypeIPv6]) == 0 {
				t.Errorf("PID %s lost its ipv6 prefixes", pid)
			}
		}
	})
	t.Run("ipv4 only", func(t *testing.T) {
		nm := filter(t, `{"pids":[],"address-types":["ipv4"]}`)
		for pid, group := range nm.NetworkMap {
			if _, ok := group[alto.AddressTypeIPv6]; ok {
				t.Errorf("PID %s has ipv6 prefixes in an ipv4-only map", pid)
			}
			if !slices.Equal(group[alto.AddressTypeIPv4], full.NetworkMap[pid][alto.AddressTypeIPv4]) {
				t.Errorf("PID %s ipv4 = %v, the full map has %v", pid, group[alto.AddressTypeIPv4], full.NetworkMap[pid][alto.AddressTypeIPv4])
			}
		}
	})
	t.Run("duplicates count once", func(t *testing.T) {
		_, once := h.post("/networkmap/filtered", `{"pids":["`+pids[0]+`"]}`)
		_, twice := h.post("/networkmap/filtered", `{"pids":["`+pids[0]+`","`+pids[0]+`"],"address-types":["ipv4","ipv6","ipv4"]}`)
		if !bytes.Equal(once, twice) {
			t.Errorf("response with duplicates differs:\n%s\nwithout:\n%s", twice, once)
		}
	})
}

func equalGroups(a, b alto.EndpointAddrGroup) bool {
	for _, typ := range []string{alto.AddressTypeIPv4, alto.AddressTypeIPv6} {
		if !slices.Equal(a[typ], b[typ]) {
			return false
		}
	}
	return true
}

func equalNetworkMaps(a, b map[string]alto.EndpointAddrGroup) bool {
	if !slices.Equal(sortedKeys(a), sortedKeys(b)) {
		return false
	}
	for pid := range a {
		if !equalGroups(a[pid], b[pid]) {
			return false
		}
	}
	return true
}

// costEntries flattens a cost map into "src dst" keys.
func costEntries(m map[string]map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for src, row := range m {
		for dst, v := range row {
			out[src+" "+dst] = v
		}
	}
	return out
}

func equalCosts(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// denseRanks replaces each value by its dense rank among all values, 1
// for the lowest. RFC 7285, Section 6.1.2.2 only requires ranks in cost
// order, and goalto gives dense ranks.
func denseRanks(costs map[string]float64) map[string]float64 {
	var distinct []float64
	for _, v := range costs {
		distinct = append(distinct, v)
	}
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	out := map[string]float64{}
	for k, v := range costs {
		i, _ := slices.BinarySearch(distinct, v)
		out[k] = float64(i + 1)
	}
	return out
}

// checkAllNumbers fails unless every cost in the body's map member is a
// JSON number.
func checkAllNumbers(t *testing.T, body []byte, member string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	rows, ok := doc[member].(map[string]any)
	if !ok {
		t.Fatalf("member %q is %T, want an object", member, doc[member])
	}
	for src, row := range rows {
		cols, ok := row.(map[string]any)
		if !ok {
			t.Errorf("row %q is %T, want an object", src, row)
			continue
		}
		for dst, v := range cols {
			if _, ok := v.(json.Number); !ok {
				t.Errorf("cost %s -> %s is %T (%v), want a JSON number", src, dst, v, v)
			}
		}
	}
}

func TestHTTPFilteredCostMap(t *testing.T) {
	h := newHTTPHarness(t)
	nm := h.networkMap()
	fullNum := h.costMap("/costmap/num/routingcost")
	fullOrd := h.costMap("/costmap/ord/routingcost")
	sites := siteAddrs(t, nm)
	srcs := []string{sites[0].pid, sites[1].pid}
	dsts := []string{sites[0].pid, sites[2].pid, defaultPID(nm)}

	request := func(t *testing.T, mode, extra string) (alto.CostMap, []byte) {
		t.Helper()
		var cm alto.CostMap
		body := `{"cost-type":{"cost-mode":"` + mode + `","cost-metric":"routingcost"}` + extra + `}`
		data := h.postOK("/costmap/filtered", alto.MediaTypeCostMap, body, &cm)
		if len(cm.Meta.DependentVTags) != 1 || cm.Meta.DependentVTags[0] != *nm.Meta.VTag {
			t.Errorf("dependent-vtags %+v, want [%+v]", cm.Meta.DependentVTags, *nm.Meta.VTag)
		}
		want := alto.CostType{Mode: mode, Metric: alto.CostMetricRoutingCost}
		if cm.Meta.CostType == nil || !cm.Meta.CostType.Equal(want) {
			t.Errorf("cost-type %+v, want %+v", cm.Meta.CostType, want)
		}
		checkAllNumbers(t, data, "cost-map")
		return cm, data
	}
	subset := `,"pids":{"srcs":` + jsonList(srcs) + `,"dsts":` + jsonList(dsts) + `}`

	t.Run("subset", func(t *testing.T) {
		cm, _ := request(t, alto.CostModeNumerical, subset)
		want := map[string]float64{}
		for _, s := range srcs {
			for _, d := range dsts {
				if v, ok := fullNum.CostMap[s][d]; ok {
					want[s+" "+d] = v
				}
			}
		}
		if got := costEntries(cm.CostMap); !equalCosts(got, want) {
			t.Errorf("costs %v, want %v from the full cost map", got, want)
		}
	})
	t.Run("empty lists mean all", func(t *testing.T) {
		cm, _ := request(t, alto.CostModeNumerical, `,"pids":{"srcs":[],"dsts":[]}`)
		if !equalCosts(costEntries(cm.CostMap), costEntries(fullNum.CostMap)) {
			t.Errorf("filtered map with empty lists differs from the full map")
		}
	})
	t.Run("no pids means all", func(t *testing.T) {
		cm, _ := request(t, alto.CostModeOrdinal, "")
		if !equalCosts(costEntries(cm.CostMap), costEntries(fullOrd.CostMap)) {
			t.Errorf("filtered ordinal map without pids differs from the full ordinal map")
		}
	})
	t.Run("unknown PIDs ignored", func(t *testing.T) {
		withUnknown := `,"pids":{"srcs":` + jsonList(append([]string{"no-such-pid"}, srcs...)) + `,"dsts":` + jsonList(append(dsts, "no-such-pid")) + `}`
		a, _ := request(t, alto.CostModeNumerical, subset)
		b, _ := request(t, alto.CostModeNumerical, withUnknown)
		if !equalCosts(costEntries(a.CostMap), costEntries(b.CostMap)) {
			t.Errorf("unknown PIDs changed the answer: %v, want %v", b.CostMap, a.CostMap)
		}
	})
	t.Run("ordinal ranks the selection", func(t *testing.T) {
		num, _ := request(t, alto.CostModeNumerical, subset)
		ord, _ := request(t, alto.CostModeOrdinal, subset)
		want := denseRanks(costEntries(num.CostMap))
		if got := costEntries(ord.CostMap); !equalCosts(got, want) {
			t.Errorf("ordinal costs %v, want the dense ranks %v", got, want)
		}
	})

	for _, mode := range []string{alto.CostModeNumerical, alto.CostModeOrdinal} {
		t.Run("constraints "+mode, func(t *testing.T) {
			base, _ := request(t, mode, "")
			all := costEntries(base.CostMap)
			if len(all) == 0 {
				t.Fatal("empty cost map")
			}
			var values []float64
			for _, v := range all {
				values = append(values, v)
			}
			slices.Sort(values)
			values = slices.Compact(values)
			mid := values[len(values)/2]
			for _, cs := range [][]string{
				{fmt.Sprintf("le %v", mid)},
				{fmt.Sprintf("lt %v", mid)},
				{fmt.Sprintf("ge %v", mid)},
				{fmt.Sprintf("gt %v", mid)},
				{fmt.Sprintf("eq %v", mid)},
				{fmt.Sprintf("ge %v", values[0]), fmt.Sprintf("le %v", mid)},
				{fmt.Sprintf("gt %v", values[len(values)-1])},
			} {
				t.Run(strings.Join(cs, " and "), func(t *testing.T) {
					parsed := make([]alto.Constraint, len(cs))
					for i, c := range cs {
						var err error
						if parsed[i], err = alto.ParseConstraint(c); err != nil {
							t.Fatalf("constraint %q: %v", c, err)
						}
					}
					want := map[string]float64{}
					for k, v := range all {
						ok := true
						for _, c := range parsed {
							ok = ok && c.Match(v)
						}
						if ok {
							want[k] = v
						}
					}
					got, _ := request(t, mode, `,"constraints":`+jsonList(cs))
					if entries := costEntries(got.CostMap); !equalCosts(entries, want) {
						t.Errorf("%d costs, want %d: got %v", len(entries), len(want), entries)
					}
					for src, row := range got.CostMap {
						if len(row) == 0 {
							t.Errorf("source %s has an empty row", src)
						}
					}
				})
			}
		})
	}

	t.Run("unsupported cost type", func(t *testing.T) {
		tests := []struct {
			mode, metric, field, value string
		}{
			{"numerical", "latency", "cost-type/cost-metric", "latency"},
			{"ordinal", "bandwidth", "cost-type/cost-metric", "bandwidth"},
			{"foo", "routingcost", "cost-type/cost-mode", "foo"},
			{"Numerical", "routingcost", "cost-type/cost-mode", "Numerical"},
		}
		for _, tt := range tests {
			t.Run(tt.mode+" "+tt.metric, func(t *testing.T) {
				body := `{"cost-type":{"cost-mode":"` + tt.mode + `","cost-metric":"` + tt.metric + `"}}`
				checkALTOError(t, h.postError("/costmap/filtered", body), alto.ErrInvalidFieldValue, tt.field, tt.value)
				ep := `{"cost-type":{"cost-mode":"` + tt.mode + `","cost-metric":"` + tt.metric + `"},"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}}`
				checkALTOError(t, h.postError("/endpointcost/lookup", ep), alto.ErrInvalidFieldValue, tt.field, tt.value)
			})
		}
	})
	t.Run("description ignored", func(t *testing.T) {
		a, _ := request(t, alto.CostModeNumerical, subset)
		var b alto.CostMap
		h.postOK("/costmap/filtered", alto.MediaTypeCostMap,
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost","description":"anything"}`+subset+`}`, &b)
		if !equalCosts(costEntries(a.CostMap), costEntries(b.CostMap)) {
			t.Errorf("a cost type description changed the answer")
		}
	})
}

func TestHTTPEndpointProperties(t *testing.T) {
	h := newHTTPHarness(t)
	nm := h.networkMap()
	pidProp := nm.Meta.VTag.ResourceID + ".pid"
	sites := siteAddrs(t, nm)
	v6 := netip.MustParseAddr("2001:db8::1")
	wantV6, ok := pidOf(nm, v6)
	if !ok {
		t.Fatalf("no PID holds %v", v6)
	}

	t.Run("pid of ipv4 and ipv6 addresses", func(t *testing.T) {
		endpoints := []string{typed(sites[0].addr), typed(sites[1].addr), typed(v6)}
		var ep alto.EndpointPropertyMap
		h.postOK("/endpointprop/lookup", alto.MediaTypeEndpointProp,
			`{"properties":["`+pidProp+`"],"endpoints":`+jsonList(endpoints)+`}`, &ep)
		want := map[string]string{endpoints[0]: sites[0].pid, endpoints[1]: sites[1].pid, endpoints[2]: wantV6}
		if len(ep.EndpointProperties) != len(want) {
			t.Errorf("properties for %d endpoints, want %d: %v", len(ep.EndpointProperties), len(want), ep.EndpointProperties)
		}
		for addr, pid := range want {
			if got := ep.EndpointProperties[addr][pidProp]; got != pid {
				t.Errorf("%s %s = %q, want %q", addr, pidProp, got, pid)
			}
		}
		if len(ep.Meta.DependentVTags) != 1 || ep.Meta.DependentVTags[0] != *nm.Meta.VTag {
			t.Errorf("dependent-vtags %+v, want [%+v]", ep.Meta.DependentVTags, *nm.Meta.VTag)
		}
	})
	t.Run("ipv6 address without a site maps to the default PID", func(t *testing.T) {
		def := defaultPID(nm)
		if def == "" {
			t.Skip("the network map has no default PID")
		}
		if wantV6 != def {
			t.Skipf("a site holds %v", v6)
		}
		var ep alto.EndpointPropertyMap
		h.postOK("/endpointprop/lookup", alto.MediaTypeEndpointProp,
			`{"properties":["`+pidProp+`"],"endpoints":["ipv6:2001:db8::1"]}`, &ep)
		if got := ep.EndpointProperties["ipv6:2001:db8::1"][pidProp]; got != def {
			t.Errorf("pid = %q, want the default PID %q", got, def)
		}
	})
	t.Run("unknown property", func(t *testing.T) {
		for _, prop := range []string{"priv:unknown", "other-network-map.pid", "pid"} {
			body := `{"properties":["` + pidProp + `","` + prop + `"],"endpoints":["ipv4:192.0.2.1"]}`
			checkALTOError(t, h.postError("/endpointprop/lookup", body), alto.ErrInvalidFieldValue, "properties", prop)
		}
	})
}

func TestHTTPEndpointCost(t *testing.T) {
	h := newHTTPHarness(t)
	nm := h.networkMap()
	sites := siteAddrs(t, nm)
	fullNum := h.costMap("/costmap/num/routingcost")
	src := sites[0]
	var dsts []string
	dstPID := map[string]string{}
	for _, s := range sites[:min(len(sites), 8)] {
		dsts = append(dsts, typed(s.addr))
		dstPID[typed(s.addr)] = s.pid
	}
	request := func(t *testing.T, mode, metric string, srcs, dsts []string) (alto.EndpointCostMap, []byte) {
		t.Helper()
		var ec alto.EndpointCostMap
		body := `{"cost-type":{"cost-mode":"` + mode + `","cost-metric":"` + metric + `"},"endpoints":{"srcs":` + jsonList(srcs) + `,"dsts":` + jsonList(dsts) + `}}`
		data := h.postOK("/endpointcost/lookup", alto.MediaTypeEndpointCost, body, &ec)
		want := alto.CostType{Mode: mode, Metric: metric}
		if ec.Meta.CostType == nil || !ec.Meta.CostType.Equal(want) {
			t.Errorf("cost-type %+v, want %+v", ec.Meta.CostType, want)
		}
		checkAllNumbers(t, data, "endpoint-cost-map")
		return ec, data
	}

	srcs := []string{typed(src.addr)}
	num, _ := request(t, alto.CostModeNumerical, alto.CostMetricRoutingCost, srcs, dsts)

	t.Run("numerical follows the cost map", func(t *testing.T) {
		want := map[string]float64{}
		for _, d := range dsts {
			if v, ok := fullNum.CostMap[src.pid][dstPID[d]]; ok {
				want[srcs[0]+" "+d] = v
			}
		}
		if len(want) < 2 {
			t.Fatalf("only %d defined costs from %s", len(want), src.pid)
		}
		if got := costEntries(num.EndpointCostMap); !equalCosts(got, want) {
			t.Errorf("costs %v, want %v", got, want)
		}
	})
	t.Run("ordinal are dense ranks", func(t *testing.T) {
		ord, _ := request(t, alto.CostModeOrdinal, alto.CostMetricRoutingCost, srcs, dsts)
		want := denseRanks(costEntries(num.EndpointCostMap))
		if got := costEntries(ord.EndpointCostMap); !equalCosts(got, want) {
			t.Errorf("ordinal costs %v, want %v", got, want)
		}
	})
	t.Run("ordinal over several sources", func(t *testing.T) {
		two := []string{typed(sites[0].addr), typed(sites[1].addr)}
		n, _ := request(t, alto.CostModeNumerical, alto.CostMetricHopCount, two, dsts)
		o, _ := request(t, alto.CostModeOrdinal, alto.CostMetricHopCount, two, dsts)
		want := denseRanks(costEntries(n.EndpointCostMap))
		if got := costEntries(o.EndpointCostMap); !equalCosts(got, want) {
			t.Errorf("ordinal costs %v, want %v", got, want)
		}
	})
	t.Run("same PID costs zero", func(t *testing.T) {
		other := src.addr.Next()
		if pid, _ := pidOf(nm, other); pid != src.pid {
			t.Fatalf("%v is in %s, not %s", other, pid, src.pid)
		}
		for _, metric := range []string{alto.CostMetricRoutingCost, alto.CostMetricHopCount} {
			ec, _ := request(t, alto.CostModeNumerical, metric, srcs, []string{typed(other)})
			v, ok := ec.EndpointCostMap[srcs[0]][typed(other)]
			if !ok || v != 0 {
				t.Errorf("%s between %s and %v = %v (present %v), want 0", metric, srcs[0], other, v, ok)
			}
		}
	})
	t.Run("duplicates count once", func(t *testing.T) {
		_, once := request(t, alto.CostModeNumerical, alto.CostMetricRoutingCost, srcs, dsts[:2])
		_, twice := request(t, alto.CostModeNumerical, alto.CostMetricRoutingCost, append(srcs, srcs...), append(dsts[:2], dsts[:2]...))
		if !bytes.Equal(once, twice) {
			t.Errorf("response with duplicates differs:\n%s\nwithout:\n%s", twice, once)
		}
	})
	t.Run("empty srcs uses the client address", func(t *testing.T) {
		// The client connects from 127.0.0.1, which is in the default PID.
		_, implicit := request(t, alto.CostModeNumerical, alto.CostMetricRoutingCost, []string{}, dsts)
		_, explicit := request(t, alto.CostModeNumerical, alto.CostMetricRoutingCost, []string{"ipv4:127.0.0.1"}, dsts)
		if !bytes.Equal(implicit, explicit) {
			t.Errorf("response with empty srcs:\n%s\nwith the client address:\n%s", implicit, explicit)
		}
		if pid, _ := pidOf(nm, netip.MustParseAddr("127.0.0.1")); pid != defaultPID(nm) {
			t.Errorf("127.0.0.1 is in PID %q, want the default PID %q", pid, defaultPID(nm))
		}
	})
}

// writeLoopbackNetwork writes a network of two sites whose first site
// also contains the loopback prefix, so that a test client has costs.
func writeLoopbackNetwork(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	topo := `nodes:
  - {id: a, prefixes: [192.0.2.0/24]}
  - {id: b, prefixes: [198.51.100.0/24]}
links:
  - {from: a, to: b, metric: 7}
`
	def := `network-map:
  resource-id: loopback-map
topology: topology.yaml
groups:
  - pid: loopback
    node: a
    prefixes: [127.0.0.0/8]
`
	for name, text := range map[string]string{"topology.yaml": topo, "network.yaml": def} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "network.yaml")
}

func TestHTTPEndpointCostClientAddress(t *testing.T) {
	h := harnessFor(t, alttest.Start(t, writeLoopbackNetwork(t)))
	full := h.costMap("/costmap/num/routingcost")
	want, ok := full.CostMap["loopback"]["b"]
	if !ok {
		t.Fatalf("no cost from loopback to b in %v", full.CostMap)
	}
	tests := []struct {
		name, endpoints string
		src, dst        string
	}{
		{"srcs absent", `{"dsts":["ipv4:198.51.100.1"]}`, "ipv4:127.0.0.1", "ipv4:198.51.100.1"},
		{"srcs empty", `{"srcs":[],"dsts":["ipv4:198.51.100.1"]}`, "ipv4:127.0.0.1", "ipv4:198.51.100.1"},
		{"dsts absent", `{"srcs":["ipv4:198.51.100.1"]}`, "ipv4:198.51.100.1", "ipv4:127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ec alto.EndpointCostMap
			h.postOK("/endpointcost/lookup", alto.MediaTypeEndpointCost,
				`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":`+tt.endpoints+`}`, &ec)
			got, ok := ec.EndpointCostMap[tt.src][tt.dst]
			if !ok {
				t.Fatalf("no cost %s -> %s in %v", tt.src, tt.dst, ec.EndpointCostMap)
			}
			if got != want {
				t.Errorf("cost %s -> %s = %v, want %v", tt.src, tt.dst, got, want)
			}
		})
	}
}

func TestHTTPIPv6Listener(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	h := newHTTPHarnessConfig(t, daemon.Config{Listen: "[::1]:0"})
	if !strings.HasPrefix(h.origin, "http://[::1]:") {
		t.Fatalf("server origin %s, want http://[::1]:PORT", h.origin)
	}
	var dir alto.Directory
	if err := json.Unmarshal(h.getOK("/directory", alto.MediaTypeDirectory), &dir); err != nil {
		t.Fatalf("decoding the directory: %v", err)
	}
	if len(dir.Resources) == 0 {
		t.Error("directory lists no resources")
	}
	var ep alto.EndpointPropertyMap
	h.postOK("/endpointprop/lookup", alto.MediaTypeEndpointProp,
		`{"properties":["lhcone-network-map.pid"],"endpoints":["ipv6:::1"]}`, &ep)
	if _, ok := ep.EndpointProperties["ipv6:::1"]; !ok {
		t.Errorf("no properties for ipv6:::1: %v", ep.EndpointProperties)
	}
}

func TestHTTPH2C(t *testing.T) {
	h := newHTTPHarness(t)
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: p, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	h2 := &httpHarness{t: t, origin: h.origin, client: &http.Client{Transport: tr}}

	for _, path := range []string{"/networkmap", "/costmap/num/hopcount"} {
		t.Run("GET "+path, func(t *testing.T) {
			_, plain := h.do(http.MethodGet, path, "")
			resp, body := h2.do(http.MethodGet, path, "")
			if resp.ProtoMajor != 2 {
				t.Fatalf("protocol %s, want HTTP/2", resp.Proto)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if !bytes.Equal(body, plain) {
				t.Errorf("HTTP/2 body (%d bytes) differs from the HTTP/1.1 body (%d bytes)", len(body), len(plain))
			}
		})
	}
	t.Run("POST /networkmap/filtered", func(t *testing.T) {
		_, plain := h.post("/networkmap/filtered", `{"pids":[]}`)
		resp, body := h2.post("/networkmap/filtered", `{"pids":[]}`)
		if resp.ProtoMajor != 2 {
			t.Fatalf("protocol %s, want HTTP/2", resp.Proto)
		}
		if !bytes.Equal(body, plain) {
			t.Errorf("HTTP/2 body differs from the HTTP/1.1 body")
		}
	})
}
