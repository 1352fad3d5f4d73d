package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/client"
)

// Defaults of the management interface flags.
const (
	defaultManagement = "http://127.0.0.1:9181"
	managementEnv     = "ALTO_MANAGEMENT"
	tokenEnv          = "ALTO_TOKEN"
	restconfMediaType = "application/yang-data+json"
	// maxRESTCONFBody bounds a RESTCONF reply that altoctl reads.
	maxRESTCONFBody = 64 << 20
)

// restconfFlags locate the RESTCONF interface of altod's management
// listener and the operator's credentials.
type restconfFlags struct {
	management string
	tokenFile  string
	auth       *authFlags // the global flags, for --ca-file, --cert-file and --key-file
}

// addRESTCONFFlags adds --management and --token-file to cmd.
func (a *app) addRESTCONFFlags(cmd *cobra.Command, getenv func(string) string) *restconfFlags {
	f := &restconfFlags{management: defaultManagement, auth: a.auth}
	if v := getenv(managementEnv); v != "" {
		f.management = v
	}
	cmd.Flags().StringVar(&f.management, "management", f.management, "base URL of altod's management listener; $"+managementEnv+", when set, replaces the built-in default")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "`file` holding the operator's bearer token; without it, $"+tokenEnv+" is sent when set")
	return f
}

// restconfClient sends RESTCONF requests (RFC 8040) to one server.
type restconfClient struct {
	base  string
	token string
	http  *http.Client
}

// client returns a RESTCONF client for --management with the operator's
// token and the TLS settings of the global flags. The ALTO server's
// credentials (--user, --bearer-token-file) do not apply, because the
// management listener has its own tokens and certificates.
func (f *restconfFlags) client(getenv func(string) string) (*restconfClient, error) {
	c := &restconfClient{base: strings.TrimSuffix(f.management, "/"), token: getenv(tokenEnv), http: http.DefaultClient}
	if !strings.HasPrefix(c.base, "http://") && !strings.HasPrefix(c.base, "https://") {
		return nil, usagef("invalid --management %q: give an http:// or https:// URL", client.RedactURL(f.management))
	}
	tlsConfig, err := f.auth.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tlsConfig != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tlsConfig
		c.http = &http.Client{Transport: tr}
	}
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, usagef("reading --token-file: %v", err)
		}
		c.token = strings.TrimSpace(string(b))
	}
	return c, nil
}

// restconfError is a RESTCONF error reply (RFC 8040, Section 7.1).
type restconfError struct {
	status int
	Errors struct {
		Error []struct {
			Tag     string `json:"error-tag"`
			Path    string `json:"error-path"`
			Message string `json:"error-message"`
		} `json:"error"`
	} `json:"ietf-restconf:errors"`
}

func (e *restconfError) Error() string {
	var parts []string
	for _, x := range e.Errors.Error {
		s := x.Tag
		if x.Path != "" {
			s += " at " + x.Path
		}
		if x.Message != "" {
			s += ": " + x.Message
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("RESTCONF request failed with HTTP %d", e.status)
	}
	return fmt.Sprintf("RESTCONF request rejected (HTTP %d): %s", e.status, strings.Join(parts, "; "))
}

// do sends a request for a path below the server's base URL and returns
// the body of a 2xx reply. Any other reply is a *restconfError.
func (c *restconfClient) do(ctx context.Context, method, path string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", restconfMediaType)
	if body != nil {
		req.Header.Set("Content-Type", restconfMediaType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &unreachableError{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRESTCONFBody))
	if err != nil {
		return nil, fmt.Errorf("reading the RESTCONF reply: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		e := &restconfError{status: resp.StatusCode}
		_ = json.Unmarshal(data, e)
		return nil, e
	}
	return data, nil
}

// unreachableError is a request that got no reply from the management
// listener. Its message is complete: describe adds no hint about
// --server to it.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string {
	if hint := tlsHint(e.err); hint != "" {
		return fmt.Sprintf("cannot reach the management listener: %s: %v", hint, e.err)
	}
	return fmt.Sprintf("cannot reach the management listener (check --management): %v", e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }
