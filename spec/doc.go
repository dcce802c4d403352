// Package spec holds the reference facts upsmigrate is built on, embedded,
// and is the only place they are kept. It is a leaf: it imports the standard
// library only, so every package may use it (mapping, schemas, plan,
// internal/sandbox …).
//
// # The files
//
// The files under spec/ are excerpts of SAP Concur's published documentation,
// collected into CSV, JSON and text files, copied verbatim from the project's
// shared spec collection; spec/FILES.csv names each file with its sha256 and
// the documents it was taken from, and spec/SOURCES.csv lists those
// documents (repository, snapshot, what was taken). Read notation.csv first.
//
//	notation.csv             tokens used in the other files ("spend:2.0:User" …)
//	records/NNN.csv          flat-file record layouts, one row per field;
//	                         records/README.csv lists the record types
//	legacy/users-v1*.csv|txt Users V1 batch XML elements and shape
//	legacy/users-v3*.csv|txt Users 3.0/3.1 JSON properties and shape
//	ups-v4/attributes.csv    every attribute of the UPS v4 schemas
//	ups-v4/endpoints.csv     paths, limits, scopes; base-uris.csv, error-codes.csv
//	ups-v4/status-shapes.json  provision status documents (shapes only)
//	ups-v4/postman-collection.json  Concur's UPS v4 Postman collection
//	spend-role-codes.csv     spend role codes, exclusions, entitlement-only roles
//	reference/               the UPS language codes and time zones, and the
//	                         ISO 3166-1 country and ISO 4217 currency codes
//	                         (countries.txt, currencies.txt: written for
//	                         upsmigrate, not from SAP's documents)
//
// Comments elsewhere cite these files by their path in the repository
// (spec/records/305.csv). A file is changed only by copying a newer excerpt
// in and updating its sha256 in FILES.csv; TestFilesListed keeps the two in
// step.
//
// # Reading them
//
// The reference lists code needs at run time have their own functions,
// parsed once: RoleCodes, LanguageCodes, TimeZones, Countries, Currencies and
// Attributes. Each list exists once, here; mapping, schemas and the sandbox
// all read it from this package. Everything else (the record layouts, the
// Postman collection …) is for tests and is read through FS, ReadFile and
// ReadTable; a binary that does not call those carries only the lists.
package spec
