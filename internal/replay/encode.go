package replay

import (
	"bufio"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Encode writes a change log that Parse reads back into the same steps
// (positions aside). Each change is written on one line. Every change
// must pass Change.Validate.
func Encode(w io.Writer, steps []Step, format Format) error {
	for i, s := range steps {
		for j, c := range s.Changes {
			if err := c.Validate(); err != nil {
				return fmt.Errorf("step %d, change %d: %w", i+1, j+1, err)
			}
		}
	}
	if format == FormatJSONLines {
		return encodeJSONLines(w, steps)
	}
	return encodeYAML(w, steps)
}

func encodeYAML(w io.Writer, steps []Step) error {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range steps {
		step := mappingNode(0)
		if s.HasAt {
			step.Content = append(step.Content, strNode("at"), &yaml.Node{Kind: yaml.ScalarNode, Value: formatSeconds(s.At)})
		}
		changes := &yaml.Node{Kind: yaml.SequenceNode}
		for _, c := range s.Changes {
			changes.Content = append(changes.Content, changeYAML(c))
		}
		step.Content = append(step.Content, strNode("changes"), changes)
		list.Content = append(list.Content, step)
	}
	top := mappingNode(0)
	top.Content = []*yaml.Node{strNode("steps"), list}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(top); err != nil {
		return fmt.Errorf("encode change log: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode change log: %w", err)
	}
	return nil
}

// changeYAML returns {KIND: {fields}} with the fields in flow style.
func changeYAML(c Change) *yaml.Node {
	fields := mappingNode(yaml.FlowStyle)
	add := func(name string, v *yaml.Node) { fields.Content = append(fields.Content, strNode(name), v) }
	switch c.Kind {
	case SetMetric, LinkDown, LinkUp:
		add("from", strNode(c.From))
		add("to", strNode(c.To))
		if c.Kind != LinkDown {
			add("metric", numNode(c.Metric))
		}
		if c.Capacity != 0 {
			add("capacity", numNode(c.Capacity))
		}
		if c.Latency != 0 {
			add("latency", numNode(c.Latency))
		}
		if c.Directed {
			add("directed", &yaml.Node{Kind: yaml.ScalarNode, Value: "true"})
		}
	default:
		add("node", strNode(c.Node))
		add("prefix", strNode(c.Prefix.String()))
	}
	m := mappingNode(0)
	m.Content = []*yaml.Node{strNode(string(c.Kind)), fields}
	return m
}

// changeJSON holds the fields of a change in the order they are written.
type changeJSON struct {
	From     string  `json:"from,omitempty"`
	To       string  `json:"to,omitempty"`
	Metric   float64 `json:"metric,omitempty"`
	Capacity float64 `json:"capacity,omitempty"`
	Latency  float64 `json:"latency,omitempty"`
	Directed bool    `json:"directed,omitempty"`
	Node     string  `json:"node,omitempty"`
	Prefix   string  `json:"prefix,omitempty"`
}

type stepJSON struct {
	At      *float64              `json:"at,omitempty"`
	Changes []map[Kind]changeJSON `json:"changes"`
}

func encodeJSONLines(w io.Writer, steps []Step) error {
	bw := bufio.NewWriter(w)
	for _, s := range steps {
		out := stepJSON{}
		if s.HasAt {
			secs := s.At.Seconds()
			out.At = &secs
		}
		for _, c := range s.Changes {
			f := changeJSON{From: c.From, To: c.To, Metric: c.Metric, Capacity: c.Capacity,
				Latency: c.Latency, Directed: c.Directed, Node: c.Node}
			if c.Prefix.IsValid() {
				f.Prefix = c.Prefix.String()
			}
			out.Changes = append(out.Changes, map[Kind]changeJSON{c.Kind: f})
		}
		bw.Write(mustJSON(out))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write change log: %w", err)
	}
	return nil
}

func mappingNode(style yaml.Style) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Style: style}
}

// strNode is a string scalar. The encoder quotes it when it would
// otherwise read as another type, such as "0" or "true".
func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// numNode is a plain number scalar.
func numNode(f float64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: formatNumber(f)}
}
