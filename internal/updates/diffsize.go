package updates

// arrayMediaTypes lists the media types whose documents hold their data
// in arrays of objects, for which DiffFor picks the smaller patch. A
// merge patch replaces a changed array as a whole (RFC 7396, Section 2),
// so adding one footprint to a CDNI advertisement (RFC 9241, Section
// 3.7.3) would resend every capability, where a JSON patch adds one
// array element. RFC 8895, Section 9.1 prefers merge patches for cost
// maps, endpoint costs and endpoint properties, whose data are objects,
// so the other media types keep the choice of Diff.
var arrayMediaTypes = map[string]bool{
	"application/alto-cdni+json": true,
}

// DiffFor computes the patch that turns the JSON document old, of media
// type mediaType, into new. For the media types whose data are arrays of
// objects, such as CDNI advertisements, it returns the smaller of the
// exact merge patch and the exact JSON patch, and the merge patch when
// both have the same size. For the others it returns what [Diff] does.
func DiffFor(mediaType string, old, new []byte) (PatchKind, []byte, error) {
	kind, patch, err := Diff(old, new)
	if err != nil || kind != MergePatch || !arrayMediaTypes[mediaType] {
		return kind, patch, err
	}
	newValue, err := decode(new)
	if err != nil {
		return kind, patch, nil
	}
	if jsonPatch, err := exactJSONPatch(old, new, newValue); err == nil && len(jsonPatch) < len(patch) {
		return JSONPatch, jsonPatch, nil
	}
	return kind, patch, nil
}
