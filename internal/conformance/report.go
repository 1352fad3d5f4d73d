package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
)

// junitSuites is the root element of a JUnit XML report, in the form
// that CI systems such as Jenkins, GitLab and GitHub Actions read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML: one test suite for the
// server and one test case per check, named by its ID. A failed check
// has a failure element with the reason and the RFC section, and a
// skipped check a skipped element with the reason.
func (r *Report) WriteJUnit(w io.Writer) error {
	passed, failed, skipped := r.Counts()
	total := 0.0
	suite := junitSuite{Name: "ALTO conformance of " + r.Server, Tests: passed + failed + skipped, Failures: failed, Skipped: skipped}
	for _, res := range r.Results {
		total += res.Seconds
		c := junitCase{Name: res.ID, ClassName: "conformance." + string(res.Feature), Time: seconds(res.Seconds)}
		switch res.Status {
		case Fail:
			c.Failure = &junitFailure{Message: res.Reason, Type: res.Section, Text: res.Title + "\n" + res.Section + "\n" + res.Reason}
		case Skip:
			c.Skipped = &junitSkipped{Message: res.Reason}
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Time = seconds(total)
	doc := junitSuites{Name: "altoctl check", Tests: suite.Tests, Failures: failed, Skipped: skipped, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// Columns of the ALTO working group's implementation table, in order.
// The last one lists the HTTP versions.
var SurveyColumns = []string{"NM", "CM", "ECS", "EPS", "MC", "CC", "SSE", "UP", "PV", "PM", "CDNI", "TIPS", "HTTP versions"}

// surveyFeatures maps the checked columns to the features whose checks
// count for them.
var surveyFeatures = map[string][]Feature{
	"NM":   {FeatureNetworkMap, FeatureFilteredNetworkMap},
	"CM":   {FeatureCostMap, FeatureFilteredCostMap},
	"ECS":  {FeatureEndpointCost},
	"EPS":  {FeatureEndpointProperty},
	"SSE":  {FeatureUpdateStream},
	"TIPS": {FeatureTIPS},
}

// Survey returns the server's cells of the implementation table, one
// per SurveyColumns entry:
//   - a checked feature is "no" when the IRD does not advertise it,
//     "yes" when at least one of its checks passed and none failed, and
//     otherwise "partial (n failures)", or "partial (no check passed)"
//     when every check skipped;
//   - an extension that no check covers (MC, CC, UP, PV, PM, CDNI) is
//     "advertised, not checked" when the IRD advertises it, else "no";
//   - the HTTP versions are those whose checks passed, such as
//     "h1, h2, h3", with a failing announced version marked.
func (r *Report) Survey() []string {
	cells := make([]string, 0, len(SurveyColumns))
	for _, col := range SurveyColumns {
		switch {
		case col == "HTTP versions":
			cells = append(cells, r.versionsCell())
		case surveyFeatures[col] != nil:
			cells = append(cells, r.featureCell(surveyFeatures[col]))
		case slices.Contains(r.Extensions, col):
			cells = append(cells, "advertised, not checked")
		default:
			cells = append(cells, "no")
		}
	}
	return cells
}

func (r *Report) featureCell(features []Feature) string {
	advertised := false
	for _, f := range features {
		advertised = advertised || slices.Contains(r.Advertised, f)
	}
	if !advertised {
		return "no"
	}
	passed, failed := 0, 0
	for _, res := range r.Results {
		if !slices.Contains(features, res.Feature) {
			continue
		}
		switch res.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		}
	}
	switch {
	case failed == 0 && passed > 0:
		return "yes"
	case failed == 0:
		return "partial (no check passed)"
	case failed == 1:
		return "partial (1 failure)"
	}
	return fmt.Sprintf("partial (%d failures)", failed)
}

func (r *Report) versionsCell() string {
	var spoken []string
	for _, v := range []string{"h1", "h2", "h3"} {
		res, ok := r.Result("http." + v)
		switch {
		case !ok:
		case res.Status == Pass:
			spoken = append(spoken, v)
		case res.Status == Fail:
			spoken = append(spoken, v+" (failing)")
		}
	}
	if len(spoken) == 0 {
		return "none"
	}
	return strings.Join(spoken, ", ")
}

// SurveyMarkdown returns the implementation table row of the server as
// a Markdown table with a header, named name. A failing directory,
// which has no column, is noted below the table.
func (r *Report) SurveyMarkdown(name string) string {
	var b strings.Builder
	header := append([]string{"Implementation"}, SurveyColumns...)
	b.WriteString(markdownRow(header))
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	b.WriteString(markdownRow(sep))
	b.WriteString(markdownRow(append([]string{name}, r.Survey()...)))
	n := 0
	for _, res := range r.Results {
		if res.Feature == FeatureIRD && res.Status == Fail {
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(&b, "\nDirectory (IRD): %d failing checks.\n", n)
	}
	return b.String()
}

func markdownRow(cells []string) string {
	escaped := make([]string, len(cells))
	for i, c := range cells {
		escaped[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return "| " + strings.Join(escaped, " | ") + " |\n"
}
