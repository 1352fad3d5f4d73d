package alto

import (
	"bytes"
	"encoding/json"
)

// ecsWire is an endpoint cost request decoded in one pass. Pointers tell
// an absent member from an empty one.
type ecsWire struct {
	CostType *struct {
		Mode   *string `json:"cost-mode"`
		Metric *string `json:"cost-metric"`
	} `json:"cost-type"`
	Constraints []string `json:"constraints"`
	Endpoints   *struct {
		Srcs []string `json:"srcs"`
		Dsts []string `json:"dsts"`
	} `json:"endpoints"`
}

// decodeEndpointCostFast decodes a well-formed endpoint cost request with
// a single encoding/json pass, which is most of the cost of the endpoint
// cost service. It reports false when the request needs the detailed
// decoder, which alone finds the precise ALTO error:
//   - on any decoding error;
//   - when the body contains null, which encoding/json treats as an
//     absent member;
//   - when a member was matched by a key that is not spelled exactly,
//     because encoding/json ignores case but RFC 7285 names are exact;
//   - when the body may contain an RFC 8189 member.
func decodeEndpointCostFast(body []byte) (req *EndpointCostParams, ok bool, err error) {
	if bytes.Contains(body, []byte("null")) || hasCostTypeExtensions(body) {
		return nil, false, nil
	}
	var w ecsWire
	if json.Unmarshal(body, &w) != nil {
		return nil, false, nil
	}
	if !exactKeys(body, w.CostType != nil, `"cost-type"`) ||
		!exactKeys(body, w.Constraints != nil, `"constraints"`) ||
		!exactKeys(body, w.Endpoints != nil, `"endpoints"`) {
		return nil, false, nil
	}
	if w.CostType != nil && (!exactKeys(body, w.CostType.Mode != nil, `"cost-mode"`) || !exactKeys(body, w.CostType.Metric != nil, `"cost-metric"`)) {
		return nil, false, nil
	}
	if w.Endpoints != nil && (!exactKeys(body, w.Endpoints.Srcs != nil, `"srcs"`) || !exactKeys(body, w.Endpoints.Dsts != nil, `"dsts"`)) {
		return nil, false, nil
	}

	req = &EndpointCostParams{}
	switch {
	case w.CostType == nil:
		return nil, true, NewMissingField("cost-type")
	case w.CostType.Mode == nil:
		return nil, true, NewMissingField("cost-type/cost-mode")
	case w.CostType.Metric == nil:
		return nil, true, NewMissingField("cost-type/cost-metric")
	}
	req.CostType = CostType{Mode: *w.CostType.Mode, Metric: *w.CostType.Metric}
	req.Constraints = make([]Constraint, 0, len(w.Constraints))
	for _, s := range w.Constraints {
		c, err := ParsePredicate("constraints", s)
		if err != nil {
			return nil, true, err
		}
		req.Constraints = append(req.Constraints, c)
	}
	if w.Endpoints == nil {
		return nil, true, NewMissingField("endpoints")
	}
	if req.Endpoints.Srcs, err = checkAddrs("endpoints/srcs", w.Endpoints.Srcs); err != nil {
		return nil, true, err
	}
	if req.Endpoints.Dsts, err = checkAddrs("endpoints/dsts", w.Endpoints.Dsts); err != nil {
		return nil, true, err
	}
	if len(req.Endpoints.Srcs) == 0 && len(req.Endpoints.Dsts) == 0 {
		return nil, true, NewInvalidValue("endpoints", "{}", "srcs and dsts must not both be empty")
	}
	if err := checkEmptyCostType(req.CostType, false); err != nil {
		return nil, true, err
	}
	return req, true, nil
}

// exactKeys reports whether a member that decoding found is also present
// under its exact quoted name.
func exactKeys(body []byte, found bool, quoted string) bool {
	return !found || bytes.Contains(body, []byte(quoted))
}
