package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
)

// Defaults of a new Client.
const (
	// DefaultUserAgent is the User-Agent header sent unless WithUserAgent
	// sets another.
	DefaultUserAgent = "goalto-client"
	// DefaultMaxDirectoryDepth is how many levels of secondary
	// directories Directory follows below the root IRD.
	DefaultMaxDirectoryDepth = 3
	// DefaultMaxBodySize is the maximum size in bytes of a response body.
	DefaultMaxBodySize = 64 << 20
)

// Client is an ALTO client bound to one root IRD. It is safe for
// concurrent use by multiple goroutines.
type Client struct {
	irdURL      *url.URL
	httpClient  *http.Client
	userAgent   string
	maxDepth    int
	maxBodySize int64

	mu    sync.Mutex
	cache map[string]cacheEntry // GET responses by URL

	ext extensions // see transport.go
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client that sends the requests. The
// default is a client with http.DefaultTransport and no timeout, so the
// request context sets the deadline.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.httpClient = hc }
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithMaxDirectoryDepth sets how many levels of secondary directories
// are followed below the root IRD. Zero reads the root IRD only.
func WithMaxDirectoryDepth(depth int) Option {
	return func(c *Client) { c.maxDepth = depth }
}

// WithMaxBodySize sets the maximum size in bytes of a response body.
// A larger response fails with an error.
func WithMaxBodySize(n int64) Option {
	return func(c *Client) { c.maxBodySize = n }
}

// New returns a client for the root IRD at irdURL, which must be an
// absolute http or https URL. User information in irdURL becomes the
// credentials of WithBasicAuth.
func New(irdURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(irdURL)
	if err != nil {
		// The *url.Error would print the URL with its password.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("IRD URL %q: %w", RedactURL(irdURL), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("IRD URL %q: want an absolute http or https URL such as http://127.0.0.1:8181/directory", RedactURL(irdURL))
	}
	c := &Client{
		irdURL:      u,
		httpClient:  &http.Client{},
		userAgent:   DefaultUserAgent,
		maxDepth:    DefaultMaxDirectoryDepth,
		maxBodySize: DefaultMaxBodySize,
		cache:       make(map[string]cacheEntry),
	}
	c.takeUserinfo()
	for _, opt := range opts {
		opt(c)
	}
	if c.httpClient == nil {
		return nil, fmt.Errorf("WithHTTPClient: nil *http.Client")
	}
	if c.maxDepth < 0 {
		return nil, fmt.Errorf("WithMaxDirectoryDepth: negative depth %d", c.maxDepth)
	}
	if c.maxBodySize <= 0 {
		return nil, fmt.Errorf("WithMaxBodySize: size %d must be positive", c.maxBodySize)
	}
	if err := c.installTransport(); err != nil {
		return nil, err
	}
	return c, nil
}

// IRDURL returns the URL of the root IRD.
func (c *Client) IRDURL() string {
	return c.irdURL.String()
}
