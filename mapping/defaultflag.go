package mapping

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultFlag is how defaults given on the command line are named in
// positions and lineage: "--default:2" is the second --default.
const DefaultFlag = "--default"

// WithDefaultFlags returns the set with company-wide defaults given as
// --default values, "SCHEMA:PATH=VALUE" (spend:2.0:User:reimbursementCurrency=USD,
// travel:2.0:User:ruleClass.name=Standard). They act as defaults.csv rows
// that apply when the new user has the extension; a flag replaces a row of
// the table for the same target. The value is converted by the transform
// the set's tables use for that target (text when none does).
func (s *Set) WithDefaultFlags(values []string) (*Set, error) {
	if len(values) == 0 {
		return s, nil
	}
	rows := s.defaults.Rows()
	file := DefaultsFile
	if s.defaults != nil && s.defaults.File != "" {
		file = s.defaults.File
	}
	var errs []error
	for i, v := range values {
		r, err := parseDefaultFlag(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", DefaultFlag, v, err))
			continue
		}
		r.File, r.Line, r.Applies = DefaultFlag, i+1, AppliesExtension
		r.Transform = s.transformFor(schemaTokens[r.TargetSchema], r.TargetPath)
		rows = slices.DeleteFunc(rows, func(o DefaultRow) bool {
			return schemaTokens[o.TargetSchema] == schemaTokens[r.TargetSchema] && o.TargetPath == r.TargetPath
		})
		rows = append(rows, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	d, err := NewDefaults(file, rows)
	if err != nil {
		return nil, err
	}
	return s.WithDefaults(d), nil
}

// parseDefaultFlag splits "SCHEMA:PATH=VALUE" at the longest known schema
// token.
func parseDefaultFlag(v string) (DefaultRow, error) {
	target, value, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(value) == "" {
		return DefaultRow{}, errors.New("expected SCHEMA:PATH=VALUE, e.g. spend:2.0:User:reimbursementCurrency=USD")
	}
	best := ""
	for token, urn := range schemaTokens {
		if urn != "" && strings.HasPrefix(target, token+":") && len(token) > len(best) {
			best = token
		}
	}
	if best == "" {
		return DefaultRow{}, fmt.Errorf("unknown schema: expected one of %s, then :PATH=VALUE", strings.TrimSuffix(schemaTokenList(), ", NOT SUPPORTED"))
	}
	return DefaultRow{TargetSchema: best, TargetPath: strings.TrimPrefix(target, best+":"), Value: strings.TrimSpace(value)}, nil
}

// transformFor is the value transform the set's tables use for a target,
// "text" when no table writes it with a value transform.
func (s *Set) transformFor(urn, path string) string {
	for _, t := range s.Tables() {
		for _, r := range t.rows {
			if schemaTokens[strings.TrimSpace(r.TargetSchema)] != urn || strings.TrimSpace(r.TargetPath) != path {
				continue
			}
			tf := lookupTransform(strings.TrimSpace(r.Transform))
			if tf != nil && (tf.op == opSet || tf.op == opFlag || tf.op == opBool) && (tf.args == "" || tf.args == "phone") {
				return tf.name
			}
		}
	}
	return "text"
}
