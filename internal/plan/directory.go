package plan

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Directory is a snapshot of the users that exist in the target: Employee
// ID → user id (UUID), with the login when known. Convert uses it to write
// UUID paths and to tell new users from existing ones without a network.
type Directory struct {
	byEmp   map[string]int // index into entries
	entries []DirEntry     // file order
}

// DirEntry is one user of a Directory.
type DirEntry struct {
	EmployeeNumber string
	ID             string
	UserName       string
	Pos            model.Position // where the entry is in the directory file
}

// NewDirectory builds a Directory from entries, rejecting blank or
// conflicting ones like LoadDirectory does.
func NewDirectory(entries []DirEntry) (*Directory, error) {
	d := &Directory{byEmp: make(map[string]int, len(entries))}
	for _, e := range entries {
		if err := d.add(e); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Lookup returns the user id of the employee with the given Employee ID.
func (d *Directory) Lookup(employeeNumber string) (uuid string, ok bool) {
	if d == nil {
		return "", false
	}
	i, ok := d.byEmp[employeeNumber]
	if !ok {
		return "", false
	}
	return d.entries[i].ID, true
}

// ref returns a pointer to the id of an employee, for node trees.
func (d *Directory) ref(employeeNumber string) (*string, bool) {
	i, ok := d.byEmp[employeeNumber]
	if !ok {
		return nil, false
	}
	return &d.entries[i].ID, true
}

// Entry returns the whole entry of an employee.
func (d *Directory) Entry(employeeNumber string) (DirEntry, bool) {
	if d == nil {
		return DirEntry{}, false
	}
	i, ok := d.byEmp[employeeNumber]
	if !ok {
		return DirEntry{}, false
	}
	return d.entries[i], true
}

// Len is the number of users in the directory.
func (d *Directory) Len() int {
	if d == nil {
		return 0
	}
	return len(d.byEmp)
}

// Entries returns the users in file order.
func (d *Directory) Entries() []DirEntry {
	return slices.Clone(d.entries)
}

// maxIDLen bounds a user id of a snapshot (UPS ids are 36-character UUIDs).
const maxIDLen = 255

func (d *Directory) add(e DirEntry) error {
	pe := func(field, format string, args ...any) error {
		return &model.ParseError{File: e.Pos.File, Line: e.Pos.Line, Field: field, Err: fmt.Errorf(format, args...), Fatal: true}
	}
	e.EmployeeNumber = strings.TrimSpace(e.EmployeeNumber)
	e.ID = strings.TrimSpace(e.ID)
	e.UserName = strings.TrimSpace(e.UserName)
	if e.EmployeeNumber == "" {
		return pe("employeeNumber", "employee number is blank")
	}
	if e.ID == "" {
		return pe("id", "user id of employee %q is blank", e.EmployeeNumber)
	}
	if strings.ContainsAny(e.ID, " \t\r\n/?#%\\") || strings.IndexFunc(e.ID, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }) >= 0 || len(e.ID) > maxIDLen {
		return pe("id", "user id %q of employee %q is not a resource id: expected the id the target gave the user (UPS: a UUID such as 5f1d2c2e-…), at most %d characters, without spaces, control characters, / ? # %% or \\", e.ID, e.EmployeeNumber, maxIDLen)
	}
	if i, dup := d.byEmp[e.EmployeeNumber]; dup {
		if old := d.entries[i]; old.ID != e.ID {
			return pe("employeeNumber", "employee %q has id %s here and id %s at %s", e.EmployeeNumber, e.ID, old.ID, old.Pos)
		}
		return nil
	}
	d.byEmp[e.EmployeeNumber] = len(d.entries)
	d.entries = append(d.entries, e)
	return nil
}

// LoadDirectory reads a directory snapshot: a CSV file with a header row
// naming the columns employeeNumber and id, and optionally userName, in any
// order (names match case-insensitively); or a JSON file holding an array of
// such objects, an array of SCIM Users, or a SCIM ListResponse whose
// Resources are SCIM Users (employeeNumber read from the enterprise
// extension). The format is chosen by extension (.csv, .json), else by the
// first non-blank byte. Errors are *model.ParseError naming file:line.
func LoadDirectory(path string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	ext := strings.ToLower(filepath.Ext(path))
	isJSON := ext == ".json"
	if ext != ".json" && ext != ".csv" {
		t := bytes.TrimLeft(data, " \t\r\n")
		isJSON = len(t) > 0 && (t[0] == '[' || t[0] == '{')
	}
	if isJSON {
		return loadDirectoryJSON(path, data)
	}
	return loadDirectoryCSV(path, data)
}

func loadDirectoryCSV(name string, data []byte) (*Directory, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	csvErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &model.ParseError{File: name, Line: pe.Line, Column: pe.Column, Err: pe.Err, Fatal: true}
		}
		return &model.ParseError{File: name, Err: err, Fatal: true}
	}
	head, err := r.Read()
	if err == io.EOF {
		return nil, &model.ParseError{File: name, Line: 1, Err: errors.New("empty directory file: want a header row employeeNumber,id[,userName]"), Fatal: true}
	}
	if err != nil {
		return nil, csvErr(err)
	}
	col := map[string]int{"employeenumber": -1, "id": -1, "username": -1}
	for i, h := range head {
		k := strings.ToLower(strings.TrimSpace(h))
		if _, known := col[k]; known {
			if col[k] >= 0 {
				return nil, &model.ParseError{File: name, Line: 1, Field: h, Err: fmt.Errorf("column %q appears twice", h), Fatal: true}
			}
			col[k] = i
		}
	}
	for _, need := range []string{"employeeNumber", "id"} {
		if col[strings.ToLower(need)] < 0 {
			return nil, &model.ParseError{File: name, Line: 1, Err: fmt.Errorf("header has no %s column (want employeeNumber,id[,userName])", need), Fatal: true}
		}
	}
	d := &Directory{byEmp: make(map[string]int)}
	get := func(rec []string, k string) string {
		if i := col[k]; i >= 0 && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return d, nil
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		e := DirEntry{
			EmployeeNumber: get(rec, "employeenumber"),
			ID:             get(rec, "id"),
			UserName:       get(rec, "username"),
			Pos:            model.Position{File: name, Line: line},
		}
		if err := d.add(e); err != nil {
			return nil, err
		}
	}
}

// dirUser is the part of a directory JSON object LoadDirectory reads: a flat
// {employeeNumber,id,userName} object or a SCIM User.
type dirUser struct {
	EmployeeNumber string `json:"employeeNumber"`
	ID             string `json:"id"`
	UserName       string `json:"userName"`
	Enterprise     *struct {
		EmployeeNumber string `json:"employeeNumber"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

func loadDirectoryJSON(name string, data []byte) (*Directory, error) {
	lines := newLineIndex(data)
	jerr := func(off int64, err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			off = te.Offset
		}
		l, c := lines.pos(off)
		return &model.ParseError{File: name, Line: l, Column: c, Err: err, Fatal: true}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, jerr(dec.InputOffset(), err)
	}
	d := &Directory{byEmp: make(map[string]int)}
	switch tok {
	case json.Delim('['):
		if err := readDirArray(dec, d, name, lines, jerr); err != nil {
			return nil, err
		}
	case json.Delim('{'):
		found := false
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, jerr(dec.InputOffset(), err)
			}
			if k, _ := kt.(string); k == "Resources" {
				found = true
				t, err := dec.Token()
				if err != nil {
					return nil, jerr(dec.InputOffset(), err)
				}
				if t != json.Delim('[') {
					return nil, jerr(dec.InputOffset(), errors.New("Resources is not an array"))
				}
				if err := readDirArray(dec, d, name, lines, jerr); err != nil {
					return nil, err
				}
				continue
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, jerr(dec.InputOffset(), err)
			}
		}
		if !found {
			return nil, &model.ParseError{File: name, Line: 1, Err: errors.New("JSON object has no Resources array (want a SCIM ListResponse or an array of users)"), Fatal: true}
		}
	default:
		return nil, jerr(dec.InputOffset(), fmt.Errorf("want a JSON array or a SCIM ListResponse, found %v", tok))
	}
	return d, nil
}

func readDirArray(dec *json.Decoder, d *Directory, name string, lines lineIndex, jerr func(int64, error) error) error {
	for dec.More() {
		start := dec.InputOffset()
		var u dirUser
		if err := dec.Decode(&u); err != nil {
			return jerr(start, err)
		}
		// The element starts at the first non-blank byte after start.
		l, _ := lines.pos(lines.skipBlank(start))
		emp := u.EmployeeNumber
		if emp == "" && u.Enterprise != nil {
			emp = u.Enterprise.EmployeeNumber
		}
		if err := d.add(DirEntry{EmployeeNumber: emp, ID: u.ID, UserName: u.UserName, Pos: model.Position{File: name, Line: l}}); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return jerr(dec.InputOffset(), err)
	}
	return nil
}

// lineIndex maps byte offsets of a file to 1-based lines and columns.
type lineIndex struct {
	data   []byte
	starts []int // offset of each line's first byte
}

func newLineIndex(data []byte) lineIndex {
	li := lineIndex{data: data, starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li lineIndex) pos(off int64) (line, col int) {
	o := int(off)
	lo, hi := 0, len(li.starts)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if li.starts[mid] <= o {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1, o - li.starts[lo] + 1
}

func (li lineIndex) skipBlank(off int64) int64 {
	for int(off) < len(li.data) {
		switch li.data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
	return off
}
