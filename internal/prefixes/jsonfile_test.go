package prefixes

import (
	"errors"
	"strings"
	"testing"
)

func TestParseYAMLRejectsInvalidJSONFile(t *testing.T) {
	for _, name := range []string{"p.json", "p.json.gz"} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseYAML([]byte("{\"prefixes\": [\n  {\"prefix\": \"192.0.2.0/24\"},\n]}"), name)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseYAML error = %v, want a *ParseError", err)
			}
			if pe.Line != 3 || pe.Field != "prefixes" {
				t.Errorf("position = %d %q, want 3 \"prefixes\" (%v)", pe.Line, pe.Field, err)
			}
			if !strings.Contains(pe.Reason, "a comma before ] is not JSON") {
				t.Errorf("reason %q does not name the trailing comma", pe.Reason)
			}
		})
	}
}
