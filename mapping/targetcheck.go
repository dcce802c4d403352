package mapping

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// Checks of a row's target against the UPS schemas (schemas.LookupAttribute)
// and of password fields. They run whenever a table or defaults table is
// loaded (embedded, directory, workbook): the schema catalogue is built
// once per process and a lookup is a few map accesses.

// tokenOrder lists the target_schema tokens in the order of
// schemaTokenList, the order suggestions prefer.
var tokenOrder = []string{
	"core:2.0:User", "enterprise:2.0:User", "spend:2.0:User", "spend:2.0:Approver", "spend:2.0:ApproverLimit",
	"spend:2.0:Delegate", "spend:2.0:Role", "spend:2.0:UserPreference", "spend:2.0:WorkflowPreference",
	"spend:2.0:InvoicePreference", "enterprise:2.0:Payroll", "travel:2.0:User", NotSupported,
}

// tokenOf returns the target_schema token of a schema URN, or the URN when
// the tables have no token for it.
func tokenOf(urn string) string {
	for tok, u := range schemaTokens {
		if u == urn && tok != "" && tok != NotSupported {
			return tok
		}
	}
	return urn
}

// unknownSchema is the message for a target_schema that is no token:
// with the token meant (a full URN, another case, a typo) when one is
// close, and the list. notSupported says whether NOT SUPPORTED is allowed.
func unknownSchema(tok string, notSupported bool) string {
	list := schemaTokenList()
	cands := tokenOrder
	if !notSupported {
		list = strings.TrimSuffix(list, ", NOT SUPPORTED")
		cands = cands[:len(cands)-1]
	}
	msg := fmt.Sprintf("unknown target schema %q", tok)
	meant := ""
	if t := tokenOf(tok); t != tok {
		meant = t // a URN written out
	} else if t := schemas.Suggest(strings.TrimPrefix(tok, "urn:ietf:params:scim:schemas:extension:"), cands); t != "" {
		meant = t
	}
	if meant != "" {
		msg += ": did you mean " + meant + "?"
		if strings.EqualFold(meant, tok) {
			msg += " (schema names are case-sensitive)"
		}
	}
	return msg + " (want one of " + list + ")"
}

// isPassword reports whether a row reads a password: transform secret, or
// a source field or name that says Password.
func isPassword(r *Row, tf *transform) bool {
	if tf != nil && tf.op == opSecret {
		return true
	}
	return containsFold(r.SourceField, "password") || containsFold(r.Name, "password")
}

// containsFold reports whether s contains sub (ASCII, lower case) in any
// case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// checkSecret refuses a password field routed to anything that is sent
// or that compares and quotes its value: a password may only be secret
// (dropped with a warning that never shows it), ignore, unsupported or
// forbid, with target NOT SUPPORTED (or none, for ignore).
func checkSecret(v *validator, r *Row, tf *transform) {
	if !isPassword(r, tf) {
		return
	}
	what := fmt.Sprintf("field %s", r.SourceField)
	if r.Name != "" && r.Name != r.SourceField {
		what += " (" + r.Name + ")"
	}
	const never = "passwords are never sent: UPS has no password attribute"
	switch tf.op {
	case opSecret:
		if r.TargetSchema != NotSupported || r.TargetPath != "" {
			col := "target_schema"
			if r.TargetSchema == NotSupported {
				col = "target_path"
			}
			routed := ""
			if to := strings.TrimSpace(r.TargetSchema + " " + r.TargetPath); to != "" {
				routed = " routed to " + to
			}
			v.add(r, col, "%s is a password (transform secret)%s: %s; want target_schema NOT SUPPORTED and an empty target_path (the value is dropped with a warning that never shows it)",
				what, routed, never)
		}
	case opIgnore, opUnsupported, opForbid:
	default:
		v.add(r, "transform", "%s is a password: %s; use transform secret with target_schema NOT SUPPORTED, which drops a value with a warning that never shows it (not transform %s)",
			what, never, tf.name)
	}
}

// checkTarget checks a row's target against the UPS schemas: the
// attribute exists (did you mean …), and fits the transform — a value
// row writes one simple attribute of the value's type, a member row a
// multi-valued attribute, a reference an employeeNumber. It runs on rows
// whose target passed the other checks.
func checkTarget(v *validator, r *Row, tf *transform, cr *crow) {
	urn, path := cr.schema, r.TargetPath
	switch tf.op {
	case opSet, opFlag, opBool, opPhoneExt:
		if tf.op == opFlag && cr.inDeleg {
			if a, err := schemas.LookupElementAttribute(urn, delegateElement, path); err == nil && a.Complex && !a.Multi {
				// A presence flag (500/550 field 8 on temporaryDelegation):
				// the table check wants rows mapping its parts.
				cr.presence = true
				return
			}
		}
		if msg := valueTarget(urn, path, cr.inDeleg, tf); msg != "" {
			v.add(r, "target_path", "%s", msg)
			return
		}
		if cr.primary != nil {
			if msg := valueTarget(urn, cr.primary.path, false, &transform{name: "phone (args primary)", op: opFlag}); msg != "" {
				v.add(r, "args", "%s", msg)
			}
		}
	case opMember, opRoleCode:
		a, err := schemas.LookupAttribute(urn, path)
		if err != nil {
			v.add(r, "target_path", "%s", attrMessage(urn, path, err))
		} else if !a.Multi {
			v.add(r, "target_path", "transform %s adds members to a multi-valued attribute; %s is not one", tf.name, path)
		}
	case opRef, opKey, opNewEmployeeID, opNewLogin:
		var err error
		if tf.name == "delegate" {
			_, err = schemas.LookupElementAttribute(urn, delegateElement, path)
		} else if path != "" {
			_, err = schemas.LookupAttribute(urn, path)
		}
		if err != nil {
			v.add(r, "target_path", "%s", attrMessage(urn, path, err))
		}
	}
}

// delegateElement is a multi-valued attribute of the Delegate extension
// whose element the delegate rows address (expense, payment and
// purchaseRequest share one element schema).
const delegateElement = "expense"

// valueTarget checks the target of a value written by transform tf:
// an attribute of urn (inDeleg: of a delegate element) that holds one
// value of the transform's type. It returns the problem, or "".
func valueTarget(urn, path string, inDeleg bool, tf *transform) string {
	var (
		a   schemas.Attribute
		err error
	)
	if inDeleg {
		a, err = schemas.LookupElementAttribute(urn, delegateElement, path)
	} else {
		a, err = schemas.LookupAttribute(urn, path)
	}
	if err != nil {
		return attrMessage(urn, path, err)
	}
	switch {
	case a.Multi:
		return fmt.Sprintf("target path %s (%s) is multi-valued: a value goes to one element, selected with a filter (emails[type eq \"work\"].value)", path, tokenOf(urn))
	case a.Complex:
		return fmt.Sprintf("target path %s (%s) has sub-attributes: a value goes to one of them", path, tokenOf(urn))
	}
	want := "string"
	if tf.op == opFlag || tf.op == opBool {
		want = "boolean"
	}
	if !a.HasType(want) {
		return fmt.Sprintf("transform %s gives a %s, but %s (%s) is %s", tf.name, want, path, tokenOf(urn), strings.Join(a.Types, " or "))
	}
	return ""
}

// attrMessage words an error of schemas.LookupAttribute for a table.
func attrMessage(urn, path string, err error) string {
	var ae *schemas.AttributeError
	if !errors.As(err, &ae) {
		return err.Error()
	}
	if ae.UnknownSchema {
		return fmt.Sprintf("schema %s is not in the UPS schemas", urn)
	}
	msg := fmt.Sprintf("target path %s (%s): %s", path, tokenOf(urn), ae.Problem)
	switch {
	case ae.Suggest != "" && ae.SuggestSchema != "":
		msg += fmt.Sprintf("; did you mean target_schema %s, target_path %s?", tokenOf(ae.SuggestSchema), ae.Suggest)
	case ae.Suggest != "":
		msg += "; did you mean " + ae.Suggest + "?"
	}
	return msg
}

// defaultTargetProblem checks the target of a defaults row whose schema
// token and path passed the other checks: (column, message) of the
// problem, or "" message.
func defaultTargetProblem(r *DefaultRow, urn string) (string, string) {
	if urn == "" || urn == model.SchemaApprover || urn == model.SchemaApproverLimit || urn == model.SchemaRole || urn == model.SchemaDelegate {
		return "", ""
	}
	tf := lookupTransform(r.Transform)
	if tf == nil || (tf.op != opSet && tf.op != opFlag && tf.op != opBool) {
		if _, err := schemas.LookupAttribute(urn, r.TargetPath); err != nil {
			return "target_path", attrMessage(urn, r.TargetPath, err)
		}
		return "", ""
	}
	if msg := valueTarget(urn, r.TargetPath, false, tf); msg != "" {
		return "target_path", msg
	}
	return "", ""
}

// approverHint is what the schemas say about the target of an approver row
// that does not have the approver form ("; did you mean …" for a typo), or
// "".
func approverHint(r *Row) string {
	if r.TargetSchema != "spend:2.0:Approver" {
		return ""
	}
	var ae *schemas.AttributeError
	if _, err := schemas.LookupAttribute(model.SchemaApprover, r.TargetPath); errors.As(err, &ae) && ae.Suggest != "" && ae.SuggestSchema == "" {
		return ": did you mean " + ae.Suggest + "?"
	}
	return ""
}
