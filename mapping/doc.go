// Package mapping turns input records into per-employee change sets through
// declarative mapping tables.
//
// # Tables
//
// One CSV table per source lives in mapping/tables/ and is embedded:
// 100.csv … 550.csv for the flat-file record types (rows keyed by field
// position, every position 1..N exactly once), v1.csv for Users V1 XML
// (rows keyed by element; the alternative spellings EmployeeID, LoginID,
// LedgerName and CrnCode are alias rows) and v3.0.csv / v3.1.csv for the 3.x
// JSON items (keyed by property; "Emails[*]" matches every flattened
// Emails[i].<prop>). TableName(rec) picks the table of a record. The header
// is Columns (lost is optional: OptionalColumns):
//
//	source_field,name,target_schema,target_path,transform,args,max_length,note,lost
//
// target_schema is a token of spec/notation.csv (spend:2.0:User …) or NOT
// SUPPORTED; target_path is in SCIM filter notation, so multi-valued
// attributes are always addressed element by element
// (customData[id eq "custom2"].value); transform is one of the closed set
// listed by Transforms(); max_length (characters) is enforced on the input;
// note says why a field is not mapped or which choice was made where the
// SAP documents disagree ("CHOICE: …"). Every field is either mapped or
// unsupported/ignored with a reason in the note: the loader enforces it.
// lost says to the user what a value means that UPS cannot hold: the
// warning of an unsupported row ends with it ("the user will not get role
// SHD_IMPORT_EXTRACT_ADMIN …"), and a forbid row refuses its record with it
// (else with its note); other rows ignore it.
//
// Default returns the embedded set; LoadDir(dir) lets every <name>.csv of
// dir replace the embedded table of that name (or add one, e.g. 360.csv);
// NewTable builds a table from rows read elsewhere (a spreadsheet). Tables
// are validated when loaded — unknown transform or schema token, duplicate
// or missing field position, args that do not fit the transform, unknown
// role codes, a phone_ext without its phone row, a missing note — and every
// problem is reported as a *TableError at file:line:column. Targets are
// checked against the UPS schemas (schemas.LookupAttribute, a catalogue
// built once per process): every target_path of a value, member or
// reference row and of a defaults row must name an attribute of its
// target_schema, filters included (emails[type eq "work"] needs type among
// the element's sub-attributes and "work" among its values), a value row
// one simple attribute of its transform's type (flag and bool: boolean;
// the others: string); an unknown schema token or attribute says what was
// probably meant ("did you mean name.givenName?", or another schema's
// attribute). Names are case-sensitive, as UPS reads them: a case-only
// difference is an error that gives the right spelling. A password — a row
// with transform secret, or whose source field or name says Password — is
// never routed to an attribute: only secret (target NOT SUPPORTED),
// ignore, unsupported or forbid may read it. Rows keep their
// line: Attr.Row and Diagnostic.Row name it as "mapping/tables/305.csv:17"
// (or the override file's path).
//
// # Defaults
//
// defaults.csv (embedded empty: no defaults; replaced by the defaults.csv of
// a LoadDir directory) gives values to users the run creates, with the
// header DefaultsColumns:
//
//	target_schema,target_path,value,transform,applies,note
//
// value goes through the named value transform at load time (en_US →
// en-US); rows are validated like tables (*TableError at file:line:column).
// Finish adds a row's Attr to a change set that creates a user the
// directory does not know (Options.Known), when the change set does not
// write the target itself and either writes the target's extension (an
// Attr or Ref of that schema; core and enterprise always count) or the row
// says applies=always. Its Source is the row (File the table, Line, Field
// "value", Name "default") and Row is file:line. Set.Defaults and
// Set.WithDefaults give access; ParseDefaults and NewDefaults build one.
//
// # Transforms
//
// Value transforms: text (trim), login, email, flag (Y/N, y/n → bool;
// anything else is an error), bool (true/false), locale (en_US → en-US),
// country, subdivision (US-WA → WA), currency, expense_audit
// (REQ/ALW/NVR → REQUIRED/ALWAYS/NEVER), reimbursement_type
// (APCHECK/ADPPAYR/CNQRPAY/PMTSERV → ACCOUNTS_PAYABLE/ADP_PAYROLL/
// CONCUR_PAY/OTHER), gender (M/F/Male/Female), date (YYYY-MM-DD or a
// slash date → YYYY-MM-DD), datetime (a date → T00:00:00Z for args start,
// T23:59:59Z for args end — the delegation's last day is inclusive; RFC 3339
// date-times pass through), phone (args primary also sets the element's
// primary=true) and phone_ext (appended to the phone of the same record as
// "<phone> x<ext>"). Custom data and addresses are text on filtered paths.
// Values are trimmed first; a blank value means "no change" and never
// emits anything.
//
// Slash dates are read in Options.DateOrder: MonthFirst (MM/DD/YYYY, the
// default: the import specification documents no order) or DayFirst
// (DD/MM/YYYY); one or two digits each. A slash date whose parts are both
// 12 or less (03/11/1984) is read in that order without a word. One that is
// not a calendar date in that order rejects its record with an error that
// names the order, the --date-order flag and, when the other order reads
// it, that order. Engine.DateHints(file) returns one file-level warning when
// some slash date of the file reads only in the other order and all of them
// read in it (the file was written the other way); defaults.csv values are
// read month-first.
//
// email_entry maps the elements of an array (Users 3.1 Emails[*]): an
// element is a string or an object with EmailAddress (or Value) and Type;
// args map element types to UPS e-mail types (Work=work|Personal=home), and
// each element goes to core emails[type eq "<type>"].value. An element whose
// type is missing or not mapped, or whose type another field of the record
// already gives with a different address (PrimaryEmail is the work one), is
// dropped with a warning naming the element and its type; an address the
// record already carries is dropped silently.
//
// Entitlements and roles: entitlement (Y/N → member args of core
// entitlements), role (Y/N → role code args of spend Role roles), role_code
// (400: the value is a role code, granted; checked against
// spec/spend-role-codes.csv, read through package spec; EXP_USER,
// REQ_USER and INV_PMT_USER are refused with a pointer to the entitlement
// field, non-provisionable codes are refused too).
//
// References: approver (<type>[primary eq true|false] parsed from the
// path), manager (travel or enterprise), bi_manager and delegate (with
// product: expense|payment|purchaseRequest in any case, or the import codes
// EXP/EXPENSE, PMT/PAYMENT/INV/INVOICE, PR/PURCHREQ/PURCHASE_REQUEST; the
// record's other spend:2.0:Delegate rows become the element's Ref.Attrs,
// with paths relative to the element). A flag on a delegate attribute whose
// parts other rows map is its presence flag (500/550 field 8 Can
// Temporarily Approve Reports over temporaryDelegation's dates): N keeps
// false (the plan then sends no temporaryDelegation, also over an earlier
// record's) and drops the record's parts with a warning naming their
// fields; Y with parts keeps them; Y without parts is dropped with a
// warning; blank with parts implies true (attributed to the first part).
//
// Structure: key (the Employee ID; args create, amend or create-if=F|F…),
// new_employee_id and new_login (rename), literal (field 1), ignore (not
// sent, no warning), unsupported (dropped; a non-empty value other than
// args is a warning — args N keeps unsupported Y/N flags quiet when N),
// secret (Password: the warning says a value was dropped and never shows
// it) and forbid (a value rejects the record: 400 segments, because
// dropping them would grant the role for every group). An unsupported
// warning names the field, a flag's value and what is lost ("Y for
// Integration Administrator …: not supported by UPS, the user will not get
// role SHD_IMPORT_EXTRACT_ADMIN …"); a record with forbid values gets one
// error per reason naming its fields ("a 400 record with Segment 1 and
// Segment 3 is refused: <lost>"), and Engine.Refused counts such records per
// table for the run's summary.
//
// # Engine
//
// NewEngine(set, opts); Add(rec) for every record in input order; Finish()
// returns the change sets and one model.RecordResult per record. Add maps
// a record into a compact contribution (no maps on the happy path, values
// in shared blocks) or rejects it with one error per bad field
// (file:line:field: message [table row]); it never stops the run. Reject
// lets a later stage reject a record by position; Finish can be called
// again and recomputes everything from the contributions:
//
//  1. Renames (320, V1 NewEmployeeID/NewLoginID) in input order. A rename
//     applies to the whole run: records before it and after it that use the
//     old ID, and records that already use the new ID, fold into the same
//     employee, keyed by the new ID; use of the old ID after the rename is a
//     warning. An employee is renamed at most once per run: a second rename
//     of the same employee (or of its new ID), a new ID given twice, or a new
//     ID that the directory already knows is rejected.
//  2. Records fold per employee in input order: later values override
//     earlier ones in the slot first seen; entitlement and role members
//     are keyed per member; references per slot (approver type and
//     primary/secondary, manager, biManager, delegate product and target;
//     delegate attributes merge).
//  3. Existence: 300, 305, V1 and 3.x records can create a user; a 310
//     creates one only when it carries Login ID, First Name, Last Name and
//     Email Address (fields 3, 4, 6, 7); the others amend. With a directory
//     (Options.Known) an employee that no record of the run creates and the
//     directory does not know is rejected; without one, amendments are
//     passed on and resolved at submit time. When the directory says the
//     employee does not exist yet and the run creates it, its rename is
//     folded into the creation (new ID, userName) instead of a phase-0
//     rename.
//  4. References must point to an employee of the run or of the directory
//     (without a directory: of the run); a reference to oneself is
//     rejected. Rejections cascade: Finish repeats until nothing changes.
//  5. Extensions left out: those a later stage asked for (LeaveOut), and,
//     with Options.Requires, those of a new user whose values and defaults
//     lack an attribute UPS requires with them (lacking.go), each with a
//     warning on the record that started it. DropValue drops one value.
//
// Output: the key is ChangeSet.EmployeeID (no employeeNumber Attr is
// emitted; the plan writes it). Attr values are strings or bools
// (Attr.Type); entitlements and roles are AttrMember on core "entitlements"
// and spend Role "roles" with Member() the entitlement or role code
// (Present() false = N = remove). A phone with args primary adds phoneNumbers[type eq
// "mobile"].primary = true. Ref.Target is the referenced Employee ID after
// renames; delegate Ref.Attrs have paths relative to the element
// (canPrepare, temporaryDelegation.temporaryDelegationFromDate).
//
// Statuses: converted (the record contributed, even if later records
// overrode its values), skipped (a 100 settings record, or a record none of
// whose fields carries a value) or rejected. Every record gets exactly one.
// Warnings (unsupported values, dropped passwords, old IDs) do not change
// the status.
//
// # Performance
//
// Tables compile to a slice indexed by field position holding each row's
// operation and conversion function; target attributes are interned to
// integers process-wide, so folding uses slices, not maps. Add keeps a
// record's values as 24-byte entries in shared blocks. Finish builds the
// change sets on GOMAXPROCS workers over blocks of employees (each change
// set depends only on its own records, so the output does not depend on
// the schedule): values fold into per-target winners first, then each
// change set's Attrs, Refs and Records are cut at their exact size from
// per-worker blocks. An Attr is 40 bytes with no heap object of its own:
// its target and mapping row are the row's model.Site (compiled with the
// table), its record's position, keys, names and lines one model.Origin
// per record (in blocks), and its string value the input's own bytes.
// Refs share the same lineage parts. A run that maps its employees part
// by part gives each part's engine one Blocks (Options.Blocks) and
// releases the engine once its change sets are written (Engine.Release):
// the blocks, cleared, serve the next parts instead of a gigabyte of new
// ones at 200k employees. BenchmarkEngine305
// measures Add and Finish on a generated 100k-row 305 file against a bare
// encoding/csv read of it (BenchmarkCSVRead305).
package mapping
