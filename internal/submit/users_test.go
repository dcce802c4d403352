package submit

import "testing"

// TestUsers: every id reads back as it was put, UUIDs kept in 16 bytes.
func TestUsers(t *testing.T) {
	tests := []struct {
		id      string
		compact bool
	}{
		{"5f1d2c2e-1b2a-4c3d-9e8f-0a1b2c3d4e5f", true},
		{"5F1D2C2E-1B2A-4C3D-9E8F-0A1B2C3D4E5F", false},
		{"5f1d2c2e1b2a4c3d9e8f0a1b2c3d4e5f", false},
		{"5f1d2c2e-1b2a-4c3d-9e8f-0a1b2c3d4e5g", false},
		{"id-E1", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			u := newUsers()
			u.put("E1", "other")
			u.put("E1", tt.id)
			if got, ok := u.get("E1"); !ok || got != tt.id {
				t.Errorf("get: %q %v, want %q", got, ok, tt.id)
			}
			if _, compact := u.uuids["E1"]; compact != tt.compact || len(u.uuids)+len(u.others) != 1 {
				t.Errorf("compact %v (%d, %d), want %v", compact, len(u.uuids), len(u.others), tt.compact)
			}
			u.del("E1")
			if _, ok := u.get("E1"); ok {
				t.Error("deleted, still there")
			}
		})
	}
}
