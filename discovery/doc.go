// Package discovery finds the URI of an ALTO server's information
// resource directory (IRD) in the DNS, and generates the records that
// make a server findable.
//
// Two methods are implemented:
//
//   - Domain discovery (RFC 7286): a U-NAPTR lookup (RFC 4848) of a
//     domain name, such as the access network domain that DHCP or local
//     configuration supplies. See [Resolver.LookupDomain].
//   - Cross-domain discovery (RFC 8686): U-NAPTR lookups in the reverse
//     DNS tree (in-addr.arpa and ip6.arpa) for an IP address or prefix,
//     trying shorter prefixes until one name has records. See
//     [Resolver.LookupAddress] and [Resolver.LookupPrefix].
//
// Both accept NAPTR records whose service field names the "ALTO"
// application service with the "https" application protocol tag, and
// also the "http" tag when [Resolver.Services] includes "ALTO:http".
// Only terminal records with the "U" flag carry a URI. Their regexp
// field must replace the whole application-unique string with the URI,
// as in "!.*!https://alto.example.net/directory!". Non-terminal records
// (empty flags) are followed to the name in their replacement field.
//
// [Records] produces the zone-file lines an operator publishes so that
// both methods find a server.
package discovery
