package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// everyFootprint is the footprints cell of an advertisement without
// footprints, which applies to every footprint (RFC 9241, Section 3.6).
const everyFootprint = "(all)"

func newCDNICommand(a *app) *cobra.Command {
	var resourceID string
	var types, values []string
	cmd := &cobra.Command{
		Use:   "cdni",
		Short: "Print a CDNI footprint and capabilities advertisement",
		Long: `Fetch a CDNI Advertisement (RFC 9241) and print one row per advertisement
of the downstream CDN: its capability type, its capability value as
compact JSON, and its footprints as "type: value,value" joined by "; ".
An advertisement without footprints applies to every footprint and shows
` + everyFootprint + `.

With --capability-type and --capability-value, or when --resource names
a filtered CDNI Advertisement resource, send a filtered request instead
(RFC 9241, Section 5): the response holds the advertisements whose
capability value covers a requested one. Give the flags in pairs, once
per capability; no pair requests every advertisement.`,
		Example: `  altoctl cdni --resource dcdn-a
  altoctl cdni --capability-type FCI.DeliveryProtocol --capability-value '{"delivery-protocols":["https/1.1"]}'`,
		Args: cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			req, err := cdniFilter(types, values)
			if err != nil {
				return err
			}
			r, err := chooseCDNIResource(ctx, c, resourceID, req != nil)
			if err != nil {
				return err
			}
			var resp *client.Response
			if r.Accepts == "" {
				resp, err = c.Get(ctx, r)
			} else {
				if req == nil {
					req = &alto.CDNIFilterParams{Capabilities: []alto.CDNICapability{}}
				}
				resp, err = c.Post(ctx, r, req)
			}
			if err != nil {
				return err
			}
			return printResponse(a, resp, cdniTable)
		}),
	}
	flags := cmd.Flags()
	flags.StringVar(&resourceID, "resource", "", "resource ID of the CDNI Advertisement resource (default: the first one in the IRD of the form the other flags need)")
	flags.StringArrayVar(&types, "capability-type", nil, "capability type to select, such as FCI.DeliveryProtocol; repeat for more (filtered request)")
	flags.StringArrayVar(&values, "capability-value", nil, `capability value to select, a JSON object such as '{"delivery-protocols":["https/1.1"]}'; one per --capability-type`)
	return cmd
}

// cdniFilter builds a filtered CDNI Advertisement request from the
// --capability-type and --capability-value pairs, or returns nil when
// there are none. The server checks that each value fits its type.
func cdniFilter(types, values []string) (*alto.CDNIFilterParams, error) {
	if len(types) != len(values) {
		return nil, usagef("%d --capability-type and %d --capability-value flags: give one value per type", len(types), len(values))
	}
	if len(types) == 0 {
		return nil, nil
	}
	req := &alto.CDNIFilterParams{}
	for i, value := range values {
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(value)); err != nil {
			return nil, usagef("invalid --capability-value %q: not JSON: %v", value, err)
		}
		req.Capabilities = append(req.Capabilities, alto.CDNICapability{
			CapabilityType:  types[i],
			CapabilityValue: compact.Bytes(),
		})
	}
	return req, nil
}

// chooseCDNIResource returns the resource that --resource names, or the
// first CDNI Advertisement resource of the form that filtered selects.
// A filtered request to a resource read with GET is a usage error.
func chooseCDNIResource(ctx context.Context, c *client.Client, id string, filtered bool) (client.Resource, error) {
	accepts := ""
	if filtered {
		accepts = alto.MediaTypeCDNIFilter
	}
	if id == "" {
		return c.CDNIResource(ctx, "", accepts)
	}
	r, err := c.Resource(ctx, id)
	if err != nil {
		return client.Resource{}, err
	}
	if r.MediaType != alto.MediaTypeCDNI {
		return client.Resource{}, fmt.Errorf("resource %q has media type %s, want %s", id, r.MediaType, alto.MediaTypeCDNI)
	}
	if filtered && r.Accepts != alto.MediaTypeCDNIFilter {
		return client.Resource{}, usagef("resource %q is read with GET and takes no --capability-type; name a filtered CDNI Advertisement resource", id)
	}
	return r, nil
}

// cdniTable lists each advertisement in response order.
func cdniTable(ad *alto.CDNIAdvertisement) ([]string, [][]string) {
	var rows [][]string
	for _, obj := range ad.Data.CapabilitiesWithFootprints {
		rows = append(rows, []string{obj.CapabilityType, compactJSON(obj.CapabilityValue), footprintsText(obj.Footprints)})
	}
	return []string{"CAPABILITY-TYPE", "CAPABILITY-VALUE", "FOOTPRINTS"}, rows
}

// footprintsText formats footprints as "ipv4cidr: 192.0.2.0/24; asn:
// as64496", or everyFootprint for none.
func footprintsText(footprints []alto.Footprint) string {
	if len(footprints) == 0 {
		return everyFootprint
	}
	parts := make([]string, len(footprints))
	for i, f := range footprints {
		parts[i] = f.FootprintType + ": " + strings.Join(f.FootprintValue, ",")
	}
	return strings.Join(parts, "; ")
}

// compactJSON returns a JSON value without white space, or the text
// unchanged when it is not valid JSON.
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
