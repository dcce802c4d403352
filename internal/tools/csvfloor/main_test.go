package main

import (
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name, in     string
		rows, fields int
		wantErr      string
	}{
		{"empty", "", 0, 0, ""},
		{"ragged rows", "100,0,SSO\n305,a,\"b, c\",d\n400,E1\n", 3, 9, ""},
		{"quoted newline", "350,\"x\ny\"\n", 1, 2, ""},
		{"bad quote", "305,\"open\n", 0, 0, "in.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, fields, err := read(strings.NewReader(tt.in), "in.csv")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || rows != tt.rows || fields != tt.fields {
				t.Fatalf("got %d rows, %d fields, %v; want %d, %d", rows, fields, err, tt.rows, tt.fields)
			}
		})
	}
}
