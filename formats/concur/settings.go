package concur

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Settings are the import settings of a file, from its 100 record (the first
// line). Fields the 100 record leaves blank, or a file without a 100 record,
// get the defaults below.
type Settings struct {
	Present                bool   `json:"present"`                // the file starts with a 100 record
	Line                   int    `json:"line,omitempty"`         // line of that 100 record, 0 when absent
	ErrorThreshold         int    `json:"errorThreshold"`         // field 2; default 0
	PasswordGeneration     string `json:"passwordGeneration"`     // field 3: EMPID, LOGINID, TEXT or SSO; default "" (not set: UPS has no passwords)
	ExistingRecordHandling string `json:"existingRecordHandling"` // field 4: REPLACE, UPDATE, WARN or IGNORE; default UPDATE
	LanguageCode           string `json:"languageCode"`           // field 5; default EN
	ValidateExpenseGroup   bool   `json:"validateExpenseGroup"`   // field 6 (Y/N); default true
	ValidatePaymentGroup   bool   `json:"validatePaymentGroup"`   // field 7 (Y/N); default true
}

// DefaultSettings are the settings of a file without a 100 record.
func DefaultSettings() Settings {
	return Settings{
		ExistingRecordHandling: "UPDATE",
		LanguageCode:           "EN",
		ValidateExpenseGroup:   true,
		ValidatePaymentGroup:   true,
	}
}

// settingsRow is the typed form of a 100 record. gocsv fills it by field
// order (no header row); each type below checks its own field.
type settingsRow struct {
	Type           string         `csv:"transaction_type"`
	ErrorThreshold threshold      `csv:"error_threshold"`
	PasswordGen    passwordGen    `csv:"password_generation"`
	Existing       recordHandling `csv:"existing_record_handling"`
	Language       language       `csv:"language_code"`
	ValidateExp    ynFlag         `csv:"validate_expense_group"`
	ValidatePay    ynFlag         `csv:"validate_payment_group"`
}

type threshold struct {
	set bool
	n   int
}

func (t *threshold) UnmarshalCSV(s string) error {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strings.HasPrefix(s, "+") {
		return fmt.Errorf("is %s: expected a whole number of 0 or more", quote(s))
	}
	t.set, t.n = true, n
	return nil
}

type passwordGen string

func (p *passwordGen) UnmarshalCSV(s string) error {
	v, err := oneOf(s, rt100.Fields[2].Allowed)
	*p = passwordGen(v)
	return err
}

type recordHandling string

func (h *recordHandling) UnmarshalCSV(s string) error {
	v, err := oneOf(s, rt100.Fields[3].Allowed)
	*h = recordHandling(v)
	return err
}

type language string

func (l *language) UnmarshalCSV(s string) error {
	if s == "" {
		return nil
	}
	ok := len(s) >= 2 && len(s) <= 8
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && (c == '_' || c == '-'))
	}
	if !ok {
		return fmt.Errorf("is %s: expected a language code such as EN or en_US", quote(s))
	}
	*l = language(s)
	return nil
}

type ynFlag struct {
	set bool
	v   bool
}

func (f *ynFlag) UnmarshalCSV(s string) error {
	v, err := oneOf(s, rt100.Fields[5].Allowed)
	f.set, f.v = v != "", v == "Y"
	return err
}

// oneOf checks an optional code against its allowed values.
func oneOf(s string, allowed []string) (string, error) {
	if s == "" {
		return "", nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", fmt.Errorf("is %s: expected one of %s", quote(s), strings.Join(allowed, ", "))
}

// quote shows a setting value in a message, cut to a readable length.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// rowReader feeds one row to gocsv (it implements gocsv.CSVReader).
type rowReader struct {
	row  []string
	done bool
}

func (r *rowReader) Read() ([]string, error) {
	if r.done {
		return nil, io.EOF
	}
	r.done = true
	return r.row, nil
}

func (r *rowReader) ReadAll() ([][]string, error) {
	if r.done {
		return nil, nil
	}
	r.done = true
	return [][]string{r.row}, nil
}

// decodeRow fills the typed struct *T from one row by field order, using
// gocsv without a header row. The row must not be wider than T: the caller
// checks the width first (gocsv panics on a wider row). A field error comes
// back as a *csv.ParseError whose Column is the 1-based field number.
func decodeRow[T any](row []string) (*T, error) {
	var out []T
	if err := gocsv.UnmarshalCSVWithoutHeaders(&rowReader{row: row}, &out); err != nil {
		return nil, err
	}
	if len(out) != 1 {
		return nil, errors.New("gocsv: no row decoded")
	}
	return &out[0], nil
}

// parseSettings reads a 100 record's values. A bad field keeps its default
// and the others are still applied; the error names every bad field, and
// field is the number of the first one.
func parseSettings(values []string, line int) (s Settings, field int, err error) {
	s = DefaultSettings()
	s.Present, s.Line = true, line
	var msgs []string
	row := append([]string(nil), values...)
	for {
		t, derr := decodeRow[settingsRow](row)
		if derr == nil {
			s.apply(t)
			break
		}
		var pe *csv.ParseError
		if !errors.As(derr, &pe) || pe.Column < 1 || pe.Column > len(row) || row[pe.Column-1] == "" {
			return s, 0, derr
		}
		if field == 0 {
			field = pe.Column
		}
		msgs = append(msgs, rt100.Fields[pe.Column-1].Name+" "+pe.Err.Error())
		row[pe.Column-1] = "" // keep the default for this field, decode the rest
	}
	if len(msgs) > 0 {
		err = errors.New(strings.Join(msgs, "; "))
	}
	return s, field, err
}

func (s *Settings) apply(t *settingsRow) {
	if t.ErrorThreshold.set {
		s.ErrorThreshold = t.ErrorThreshold.n
	}
	if t.PasswordGen != "" {
		s.PasswordGeneration = string(t.PasswordGen)
	}
	if t.Existing != "" {
		s.ExistingRecordHandling = string(t.Existing)
	}
	if t.Language != "" {
		s.LanguageCode = string(t.Language)
	}
	if t.ValidateExp.set {
		s.ValidateExpenseGroup = t.ValidateExp.v
	}
	if t.ValidatePay.set {
		s.ValidatePaymentGroup = t.ValidatePay.v
	}
}

// Describe says in one line what the settings are and what convert does
// with them: "100 record on line 1: existing records UPDATE, …".
func (s Settings) Describe() string {
	where := "no 100 record, defaults"
	if s.Present {
		where = fmt.Sprintf("100 record on line %d", s.Line)
	}
	pw := ""
	if s.PasswordGeneration != "" {
		pw = ", password generation " + s.PasswordGeneration + " (ignored: UPS has no passwords)"
	}
	return fmt.Sprintf("%s: existing records %s, language %s, error threshold %d, validate expense group %s, payment group %s%s; applied to the file, not sent to UPS",
		where, s.ExistingRecordHandling, s.LanguageCode, s.ErrorThreshold, yesNo(s.ValidateExpenseGroup), yesNo(s.ValidatePaymentGroup), pw)
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// ConvertNotes says how a conversion treats a file whose 100 record asks
// for another handling of existing employees than the run gives them.
func (s Settings) ConvertNotes(file string, replace bool) []model.Diagnostic {
	var msg string
	switch s.ExistingRecordHandling {
	case "REPLACE":
		if replace {
			return nil
		}
		msg = "the file asks to replace existing employees' records: converted as updates of the fields given (PATCH); give --replace to send existing users whole (PUT)"
	case "WARN", "IGNORE":
		msg = "the file asks to leave existing employees unchanged (" + s.ExistingRecordHandling + "): convert updates them with the fields given; leave their records out of the file to keep them unchanged"
	default:
		return nil
	}
	return []model.Diagnostic{{Severity: model.SevWarning,
		Source: model.Source{File: file, Line: max(s.Line, 1), Field: "4", Name: "Existing Record Handling"}, Message: msg}}
}
