package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Salts keep the random streams of the record types apart: the same seed
// gives unrelated values in the 350, 400 and 500 files.
const (
	salt350   = 0x350350350
	salt400   = 0x400400400
	salt500   = 0x500500500
	saltOrder = 0x0d0e0f
)

// Field counts of the amending record types, as in the specification.
const (
	fields350 = 67
	fields400 = 13
	fields500 = 11
)

var prefixes = []string{"", "", "Mr.", "Ms.", "Dr.", "Mx."}

var jobTitles = []string{
	"Software Engineer", "Account Executive", "Financial Analyst",
	"Director of Sales, EMEA", "Engineering Manager", "Payroll Specialist",
	"Customer Success Manager", "Legal Counsel", "Operations Lead",
	`Head of "Special Projects"`,
}

var streets = []string{"500 Ridge Way, Suite 400", "1200 Alder Lane", "Calle de Alcalá 45", "2-1-1 Nihonbashi", "10 Downing Row"}

var cities = []string{"Seattle", "New York", "Austin", "San Jose", "London", "Munich", "Paris", "Toronto", "Tokyo"}

// roles400 are role codes a 400 record may grant: provisionable, not
// entitlement-only, not set or cleared by the generated 305 records, and
// without mutual exclusions among them.
var roles400 = []string{
	"EXP_PROCESSOR", "EXP_PROXY_USER", "EXP_CASHADVANCE_ADMIN", "SHD_EMPLOYEE_ADMIN",
	"REQ_PROXY_USER", "INV_PURCH_USER", "INV_RECEIPT_USER", "REPORTING_HIST_DATA_USER",
	"STATEMENT_USER", "EXP_FIND_ATTENDEES_USER", "SHD_PAYROLL_ADMIN", "INV_PMT_MANAGER",
}

// Max400 and Max500 are the most 400 and 500 records one employee gets.
const (
	Max400 = 3
	Max500 = 2
)

// empRand is a random stream that depends only on the seed, a salt and
// one employee, so that a record's content does not depend on where the
// shuffle puts it.
type empRand struct {
	pcg *rand.PCG
	rng *rand.Rand
}

func newEmpRand() *empRand {
	pcg := rand.NewPCG(0, 0)
	return &empRand{pcg: pcg, rng: rand.New(pcg)}
}

func (e *empRand) at(seed int64, salt uint64, i int) *rand.Rand {
	e.pcg.Seed(uint64(seed)^salt, uint64(i)*0x9e3779b97f4a7c15+1)
	return e.rng
}

// Count400 is the number of 400 records Write400 gives employee i (0-based)
// for the seed: 0 to Max400, about one on average.
func Count400(i int, seed int64) int {
	return count400(newEmpRand().at(seed, salt400, i))
}

func count400(rng *rand.Rand) int {
	switch p := rng.IntN(20); {
	case p < 8:
		return 0
	case p < 15:
		return 1
	case p < 18:
		return 2
	default:
		return 3
	}
}

// Count500 is the number of 500 records Write500 gives employee i of a
// file of rows employees for the seed: 0 to Max500 (none when rows < 3).
func Count500(i, rows int, seed int64) int {
	if rows < Max500+1 {
		return 0
	}
	return count500(newEmpRand().at(seed, salt500, i))
}

func count500(rng *rand.Rand) int {
	switch p := rng.IntN(10); {
	case p < 7:
		return 0
	case p < 9:
		return 1
	default:
		return 2
	}
}

// order returns the employees 0..rows-1 in a permutation that depends on
// the seed and the salt: the records of a file are not grouped or sorted
// by employee.
func order(rows int, seed int64, salt uint64) []int {
	rng := rand.New(rand.NewPCG(uint64(seed)^salt^saltOrder, 0x2545f4914f6cdd1d))
	return rng.Perm(rows)
}

// shuffled returns the records (employee<<8 | k for k < count(employee))
// in a seeded random order: one employee's records are scattered over the
// file.
func shuffled(rows int, seed int64, salt uint64, count func(i int) int) []uint64 {
	var recs []uint64
	for i := 0; i < rows; i++ {
		for k := 0; k < count(i); k++ {
			recs = append(recs, uint64(i)<<8|uint64(k))
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed)^salt^saltOrder, 0x2545f4914f6cdd1d))
	rng.Shuffle(len(recs), func(a, b int) { recs[a], recs[b] = recs[b], recs[a] })
	return recs
}

func checkRows(rows int) error {
	if rows < 0 {
		return fmt.Errorf("gen: rows is %d: expected 0 or more", rows)
	}
	return nil
}

// Write350 writes a 100 settings record followed by one 350 travel record
// for each of the rows employees of Write305 (same rows), in a seeded
// random order: prefix, gender, date of birth, travel approver (the
// employee's 305 manager), job title, phones, rule class, org unit, work
// address, a second e-mail for some. Every value converts without a
// warning.
func Write350(w io.Writer, rows int, seed int64) error {
	if err := checkRows(rows); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("100,0,SSO,UPDATE,EN,N,N\n")
	row := make([]string, fields350)
	er := newEmpRand()
	for _, i := range order(rows, seed, salt350) {
		fill350(row, i, er.at(seed, salt350, i))
		writeRow(bw, row)
	}
	return bw.Flush()
}

func phone(rng *rand.Rand) string {
	return "+1 206 555 " + strconv.Itoa(1000+rng.IntN(9000))
}

func fill350(f []string, i int, rng *rand.Rand) {
	for k := range f {
		f[k] = ""
	}
	set := func(n int, v string) { f[n-1] = v }
	set(1, "350")
	set(2, EmployeeID(i))
	set(3, prefixes[rng.IntN(len(prefixes))])
	if rng.IntN(8) == 0 {
		set(5, firstNames[rng.IntN(len(firstNames))])
	}
	set(7, []string{"M", "F"}[rng.IntN(2)])
	set(8, fmt.Sprintf("%04d-%02d-%02d", 1955+rng.IntN(48), 1+rng.IntN(12), 1+rng.IntN(28)))
	if i > 0 {
		set(9, EmployeeID((i-1)/fanout))
	}
	set(10, jobTitles[rng.IntN(len(jobTitles))])
	set(11, phone(rng))
	if rng.IntN(4) == 0 {
		set(12, strconv.Itoa(100+rng.IntN(900)))
	}
	if rng.IntN(2) == 0 {
		set(15, phone(rng))
	}
	if rng.IntN(40) == 0 {
		set(17, "Window seat preferred;\nvegetarian meals")
	}
	set(18, []string{"Standard", "Standard", "Standard", "Executive"}[rng.IntN(4)])
	set(20, divisions[rng.IntN(len(divisions))])
	reg := regions[rng.IntN(len(regions))]
	set(26, streets[rng.IntN(len(streets))])
	set(27, cities[rng.IntN(len(cities))])
	set(29, strconv.Itoa(10000+rng.IntN(89999)))
	set(30, reg.country)
	if rng.IntN(5) == 0 {
		set(31, "emp"+strconv.Itoa(i+1)+".travel@example.com")
	}
}

// Write400 writes a 100 settings record followed by 400 role records for
// the employees of Write305 (same rows): Count400(i, seed) records for
// employee i, each a different role code without segments, all records of
// the file in a seeded random order.
func Write400(w io.Writer, rows int, seed int64) error {
	if err := checkRows(rows); err != nil {
		return err
	}
	er := newEmpRand()
	recs := shuffled(rows, seed, salt400, func(i int) int { return count400(er.at(seed, salt400, i)) })
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("100,0,SSO,UPDATE,EN,N,N\n")
	row := make([]string, 3)
	for _, r := range recs {
		i, k := int(r>>8), int(r&0xff)
		rng := er.at(seed, salt400, i)
		count400(rng)
		perm := rng.Perm(len(roles400))
		row[0], row[1], row[2] = "400", EmployeeID(i), roles400[perm[k]]
		writeRow(bw, row)
	}
	return bw.Flush()
}

// Write500 writes a 100 settings record followed by 500 delegate records
// for the employees of Write305 (same rows): Count500(i, rows, seed)
// records for employee i, each naming a different delegate among the other
// employees of the file, all records in a seeded random order.
func Write500(w io.Writer, rows int, seed int64) error {
	if err := checkRows(rows); err != nil {
		return err
	}
	er := newEmpRand()
	var recs []uint64
	if rows > Max500 {
		recs = shuffled(rows, seed, salt500, func(i int) int { return count500(er.at(seed, salt500, i)) })
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("100,0,SSO,UPDATE,EN,N,N\n")
	row := make([]string, fields500)
	for _, r := range recs {
		i, k := int(r>>8), int(r&0xff)
		fill500(row, i, k, rows, er.at(seed, salt500, i))
		writeRow(bw, row)
	}
	return bw.Flush()
}

func fill500(f []string, i, k, rows int, rng *rand.Rand) {
	count500(rng)
	// Delegates: distinct employees other than i, at offsets 1..rows-1.
	d1 := 1 + rng.IntN(rows-1)
	d2 := 1 + rng.IntN(rows-2)
	if d2 >= d1 {
		d2++
	}
	d := []int{d1, d2}[k]
	temporary := rng.IntN(3) == 0
	for n := range f {
		f[n] = ""
	}
	f[0] = "500"
	f[1] = EmployeeID(i)
	f[2] = EmployeeID((i + d) % rows)
	f[3] = "EXP"
	f[4] = yn(rng.IntN(2) == 0)
	f[5] = yn(rng.IntN(3) == 0)
	f[6] = yn(rng.IntN(2) == 0)
	f[7] = yn(temporary)
	if temporary {
		day := 1 + rng.IntN(20)
		f[8] = fmt.Sprintf("2026-07-%02d", day)
		f[9] = fmt.Sprintf("2026-07-%02d", day+7)
	}
	f[10] = yn(rng.IntN(2) == 0)
}
