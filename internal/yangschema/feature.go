package yangschema

import (
	"fmt"
	"strings"
)

// Features is a set of supported features, by "module:feature".
type Features map[string]bool

// Enabled reports whether every if-feature expression in exprs is true
// with the features of f (RFC 7950, Section 7.20.2). An expression that
// does not parse is false.
func (f Features) Enabled(exprs []string) bool {
	for _, e := range exprs {
		ok, err := f.Eval(e)
		if err != nil || !ok {
			return false
		}
	}
	return true
}

// Eval evaluates one if-feature expression: feature names combined with
// "not", "and", "or" and parentheses.
func (f Features) Eval(expr string) (bool, error) {
	p := &featureParser{toks: tokenize(expr), f: f}
	v, err := p.or()
	if err != nil {
		return false, err
	}
	if p.i != len(p.toks) {
		return false, fmt.Errorf("if-feature %q: unexpected %q", expr, p.toks[p.i])
	}
	return v, nil
}

func tokenize(s string) []string {
	s = strings.NewReplacer("(", " ( ", ")", " ) ").Replace(s)
	return strings.Fields(s)
}

type featureParser struct {
	toks []string
	i    int
	f    Features
}

func (p *featureParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *featureParser) or() (bool, error) {
	v, err := p.and()
	for err == nil && p.peek() == "or" {
		p.i++
		var w bool
		w, err = p.and()
		v = v || w
	}
	return v, err
}

func (p *featureParser) and() (bool, error) {
	v, err := p.factor()
	for err == nil && p.peek() == "and" {
		p.i++
		var w bool
		w, err = p.factor()
		v = v && w
	}
	return v, err
}

func (p *featureParser) factor() (bool, error) {
	switch t := p.peek(); t {
	case "":
		return false, fmt.Errorf("if-feature expression ends early")
	case "not":
		p.i++
		v, err := p.factor()
		return !v, err
	case "(":
		p.i++
		v, err := p.or()
		if err == nil && p.peek() != ")" {
			err = fmt.Errorf("if-feature expression misses )")
		}
		p.i++
		return v, err
	default:
		p.i++
		return p.f[t], nil
	}
}
