package submit

import "encoding/hex"

// users maps Employee IDs to user ids. A UPS user id is a UUID: kept in
// its 16 bytes when it is written the usual way (lower-case, dashed), so
// that a million users cost a few tens of megabytes; any other id is kept
// as it is.
type users struct {
	uuids  map[string][16]byte
	others map[string]string
}

func newUsers() users {
	return users{uuids: map[string][16]byte{}, others: map[string]string{}}
}

func (u users) get(emp string) (string, bool) {
	if b, ok := u.uuids[emp]; ok {
		return formatUUID(b), true
	}
	id, ok := u.others[emp]
	return id, ok
}

func (u users) put(emp, id string) {
	if b, ok := parseUUID(id); ok {
		u.uuids[emp] = b
		delete(u.others, emp)
		return
	}
	u.others[emp] = id
	delete(u.uuids, emp)
}

func (u users) del(emp string) {
	delete(u.uuids, emp)
	delete(u.others, emp)
}

// parseUUID reads a UUID written as formatUUID writes it, and nothing
// else: what it reads is written back the same.
func parseUUID(s string) (b [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return b, false
	}
	hexPart := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	for i := 0; i < len(hexPart); i++ {
		if c := hexPart[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return b, false
		}
	}
	if _, err := hex.Decode(b[:], []byte(hexPart)); err != nil {
		return b, false
	}
	return b, true
}

// formatUUID writes a UUID lower-case and dashed.
func formatUUID(b [16]byte) string {
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], b[10:16])
	return string(buf[:])
}
