// Package alto defines the messages of the Application-Layer Traffic
// Optimization (ALTO) protocol, RFC 7285, as Go types shared by the goalto
// server and client: media types (Section 8.2 and Section 12), cost types
// (Section 10.7), version tags (Section 10.3), typed endpoint addresses
// (Section 10.4), the request and response objects of every service
// (Sections 9 and 11), and the error object with its codes (Section 8.5).
//
// The package holds no server state. Decoding functions such as
// DecodeCostMapFilter validate a request body against the RFC and return an
// *Error carrying the code, the field path and the offending value, so that
// a server can answer every client mistake with one error format.
package alto
