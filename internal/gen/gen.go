package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// fields305 is the width of a 305 record; feeds pad every row to it.
const fields305 = 137

// fanout is the number of direct reports per manager in the generated
// organisation: employee i reports to employee (i-1)/fanout.
const fanout = 8

var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah",
	"Isabella", "Lucas", "Mia", "Mateo", "Chloé", "José", "Zoë", "Björn",
	"Łukasz", "Aiko", "Priya", "Mohammed", "Ingrid", "Siobhán", "Kwame", "Mei",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martínez", "Müller", "O'Brien", "Nguyen", "Kowalski",
	"Tanaka", "Okafor", "Patel", "Larsen", "Dubois", "Rossi", "Van der Berg",
}

// region is a consistent locale, country, sub code and currency.
type region struct{ locale, country, sub, currency, ledger string }

var regions = []region{
	{"en_US", "US", "US-WA", "USD", "US-LEDGER"},
	{"en_US", "US", "US-NY", "USD", "US-LEDGER"},
	{"en_US", "US", "US-TX", "USD", "US-LEDGER"},
	{"en_US", "US", "US-CA", "USD", "US-LEDGER"},
	{"en_GB", "GB", "", "GBP", "UK-LEDGER"},
	{"de_DE", "DE", "DE-BY", "EUR", "EU-LEDGER"},
	{"fr_FR", "FR", "", "EUR", "EU-LEDGER"},
	{"en_CA", "CA", "CA-ON", "CAD", "CA-LEDGER"},
	{"ja_JP", "JP", "", "JPY", "JP-LEDGER"},
}

var divisions = []string{"Sales, EMEA", "Sales, Americas", "Engineering", "Finance", "Operations", "Marketing", "Customer Success", "Legal"}

var departments = []string{"D100", "D110", "D200", "D210", "D300", "D400", "D410", "D500"}

// loginChars turns a name into the ASCII of a login ID.
var loginChars = strings.NewReplacer(" ", "", "'", "", "é", "e", "ë", "e", "á", "a", "í", "i",
	"ó", "o", "ö", "o", "ü", "ue", "Ł", "L", "ł", "l", "ñ", "n")

var reimbursement = []string{"CNQRPAY", "CNQRPAY", "CNQRPAY", "APCHECK", "ADPPAYR"}

// Write305 writes a 100 settings record followed by rows 305 records with
// the fields real feeds fill (names, IDs, login, locale, currency, org units,
// workflow flags, approvers, roles), each padded to 137 fields. Employee IDs
// are EMP000001 …; every approver is another employee of the file, listed
// before the employees who report to them. The same rows and seed give the
// same bytes.
func Write305(w io.Writer, rows int, seed int64) error {
	return write305(w, rows, seed, false)
}

// FindingField is the 305 field (Custom 4, at most 48 characters) that
// Write305Findings fills with a longer value in every record.
const FindingField = 25

// tooLong is longer than the 48 characters UPS takes in a 305 custom field.
const tooLong = "Cost allocation note kept from the legacy HR system, revision "

// Write305Findings writes what Write305 writes for the same rows and seed,
// except that every 305 record also carries a value longer than UPS allows
// in field FindingField: convert drops it with a warning, so that every
// record has one, and converts the rest of the record.
func Write305Findings(w io.Writer, rows int, seed int64) error {
	return write305(w, rows, seed, true)
}

// Write305Lacking writes what Write305 writes for the same rows and seed,
// except that no record gives a reimbursement currency (field 13), which
// UPS requires with the spend extension of a new user: the schema check
// finds it missing for every user, and convert leaves the extension out
// of each with a warning, as for a feed without that column.
func Write305Lacking(w io.Writer, rows int, seed int64) error {
	return write305Each(w, rows, seed, func(row []string, _ int) { row[13-1] = "" })
}

func write305(w io.Writer, rows int, seed int64, findings bool) error {
	if !findings {
		return write305Each(w, rows, seed, nil)
	}
	return write305Each(w, rows, seed, func(row []string, i int) { row[FindingField-1] = tooLong + strconv.Itoa(i+1) })
}

// write305Each writes the 305 feed of Write305, changing each row with
// change (nil: none) before it is written.
func write305Each(w io.Writer, rows int, seed int64, change func(row []string, i int)) error {
	if err := checkRows(rows); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("100,0,SSO,UPDATE,EN,N,N\n")
	row := make([]string, fields305)
	for i := 0; i < rows; i++ {
		fill305(row, i, rows, rng)
		if change != nil {
			change(row, i)
		}
		writeRow(bw, row)
	}
	return bw.Flush()
}

// EmployeeID is the employee ID Write305 gives to row i (0-based).
func EmployeeID(i int) string {
	return fmt.Sprintf("EMP%06d", i+1)
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func fill305(f []string, i, rows int, rng *rand.Rand) {
	for k := range f {
		f[k] = ""
	}
	set := func(n int, v string) { f[n-1] = v }
	first := firstNames[rng.IntN(len(firstNames))]
	last := lastNames[rng.IntN(len(lastNames))]
	reg := regions[rng.IntN(len(regions))]
	id := EmployeeID(i)
	login := strings.ToLower(loginChars.Replace(first+"."+last)) + strconv.Itoa(i+1) + "@example.com"
	isManager := i*fanout+1 < rows
	manager, grand := "", ""
	if i > 0 {
		m := (i - 1) / fanout
		manager = EmployeeID(m)
		if m > 0 {
			grand = EmployeeID((m - 1) / fanout)
		}
	}

	set(1, "305")
	set(2, first)
	if rng.IntN(4) == 0 {
		set(3, string(rune('A'+rng.IntN(26))))
	}
	set(4, last)
	set(5, id)
	set(6, login)
	set(8, login)
	set(9, reg.locale)
	set(10, reg.country)
	set(11, reg.sub)
	set(12, reg.ledger)
	set(13, reg.currency)
	set(14, "1100-CA")
	set(15, yn(rng.IntN(20) != 0))
	div := divisions[rng.IntN(len(divisions))]
	set(16, div)
	set(17, departments[rng.IntN(len(departments))])
	set(18, "CC"+strconv.Itoa(1000+rng.IntN(400)))
	set(22, "Grade "+strconv.Itoa(3+rng.IntN(8)))
	if rng.IntN(50) == 0 {
		set(23, `Project "Atlas", phase 2`)
	} else {
		set(23, "PRJ-"+strconv.Itoa(10000+rng.IntN(90000)))
	}
	set(24, reg.country+"-HQ")
	for n := 43; n <= 58; n++ {
		set(n, yn(rng.IntN(3) != 0))
	}
	set(59, manager)
	set(60, manager)
	set(61, manager)
	set(62, manager)
	set(63, "Y")
	set(64, yn(isManager))
	for n := 65; n <= 75; n++ {
		set(n, "N")
	}
	set(73, yn(rng.IntN(3) == 0))
	set(74, yn(isManager && rng.IntN(2) == 0))
	set(76, []string{"REQ", "ALW", "NVR"}[rng.IntN(3)])
	set(77, manager)
	set(78, "Y")
	set(79, yn(isManager))
	set(80, grand)
	set(81, "N")
	set(84, "N")
	set(85, "N")
	set(86, yn(rng.IntN(2) == 0))
	set(88, grand)
	set(89, yn(rng.IntN(25) == 0))
	set(90, reimbursement[rng.IntN(len(reimbursement))])
	if f[89] == "ADPPAYR" {
		set(91, "ADP"+strconv.Itoa(100000+i))
		set(92, "NWD")
		set(93, "EXP")
	}
	set(94, manager)
	for n := 95; n <= 98; n++ {
		set(n, "N")
	}
}

// writeRow writes one CSV row, quoting fields that need it.
func writeRow(w *bufio.Writer, row []string) {
	for k, v := range row {
		if k > 0 {
			w.WriteByte(',')
		}
		if strings.ContainsAny(v, ",\"\r\n") {
			w.WriteByte('"')
			w.WriteString(strings.ReplaceAll(v, `"`, `""`))
			w.WriteByte('"')
			continue
		}
		w.WriteString(v)
	}
	w.WriteByte('\n')
}
