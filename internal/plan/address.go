package plan

import (
	"net/url"
	"strings"
)

// bulkIDPrefix starts the bulkId of every user a plan creates.
const bulkIDPrefix = "emp-"

// BulkID is the bulkId of the POST that creates the employee with the given
// Employee ID: "emp-" followed by the ID, path-escaped so that the bulkId
// reads the same inside an operation path.
func BulkID(employeeID string) string {
	return bulkIDPrefix + url.PathEscape(employeeID)
}

// IsBulkID reports whether id is BulkID(employeeID), without building it.
func IsBulkID(id, employeeID string) bool {
	rest, ok := strings.CutPrefix(id, bulkIDPrefix)
	return ok && rest == url.PathEscape(employeeID)
}

// IsBulkIDPath reports whether path is BulkIDPath(employeeID), without
// building it.
func IsBulkIDPath(path, employeeID string) bool {
	rest, ok := strings.CutPrefix(path, bulkIDPathPrefix)
	return ok && IsBulkID(rest, employeeID)
}

// BulkIDPath is the operation path that addresses an employee by bulkId:
// "/Users/bulkId:emp-<id>". Submit resolves it to the user's UUID.
func BulkIDPath(employeeID string) string {
	return bulkIDPathPrefix + bulkIDPrefix + url.PathEscape(employeeID)
}

const bulkIDPathPrefix = "/Users/bulkId:"

// UUIDPath is the operation path of a user with a known id.
func UUIDPath(uuid string) string {
	return "/Users/" + url.PathEscape(uuid)
}

// EmployeeOfBulkID returns the Employee ID a plan bulkId ("emp-<id>") or
// bulkId reference ("bulkId:emp-<id>", "/Users/bulkId:emp-<id>") names.
func EmployeeOfBulkID(ref string) (string, bool) {
	ref = strings.TrimPrefix(ref, "/Users/")
	ref = strings.TrimPrefix(ref, "bulkId:")
	rest, ok := strings.CutPrefix(ref, bulkIDPrefix)
	if !ok || rest == "" {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		return "", false
	}
	return id, true
}
