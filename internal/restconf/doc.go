// Package restconf serves the RESTCONF management interface of altod
// (RFC 8040): the ietf-alto data resource backed by a Datastore, root
// resource discovery, the YANG library (RFC 8525), the event stream of
// notifications, and operator authentication with read and write roles.
package restconf
