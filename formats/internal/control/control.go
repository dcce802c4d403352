// Package control finds the control characters that input values may not
// hold and names them in messages, the same way in every reader.
//
// A value may not hold a C0 control character (U+0000–U+001F) other than
// tab, line feed and carriage return, DEL (U+007F) or a C1 control
// character (U+0080–U+009F). Such characters are invisible in spreadsheets
// and editors, some of them (ESC, CSI) drive terminals, and none of them
// belongs in a user attribute: they are debris from copy and paste,
// terminal sessions or a mis-decoded export. Tab is allowed: spreadsheets
// put tabs in cells, and a tab shows as white space wherever the value goes.
// Line feed and carriage return are line breaks: a multi-line value (an
// address, a note) holds them legitimately, and each reader keeps its
// format's rules for them (a Concur field holds a line break only when
// quoted).
package control

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Advice is what a message about a control character tells the user to do.
const Advice = "remove it from the source file"

// Is reports whether r is a control character a value may not hold.
func Is(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t' && r != '\n' && r != '\r'
	case r < 0x7f:
		return false
	}
	return r <= 0x9f
}

// Index returns the byte offset and the rune of the first control character
// in s that a value may not hold, or -1 and 0 when there is none. Invalid
// UTF-8 is skipped: it is not a control character.
func Index(s string) (int, rune) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return i, rune(c)
			}
			i++
			continue
		}
		// The C1 range U+0080–U+009F is encoded 0xC2 0x80–0x9F.
		if c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
			return i, rune(s[i+1])
		}
		i++
	}
	return -1, 0
}

// Contains reports whether s holds a control character a value may not
// hold.
func Contains(s string) bool {
	i, _ := Index(s)
	return i >= 0
}

// c0 are the names of the C0 control characters, c1 those of the C1 ones
// (ISO 6429; 0x80, 0x81 and 0x99 have no name there and go by the names
// Unicode lists as aliases).
var (
	c0 = [0x20]string{
		"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
		"BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
		"DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
		"CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
	}
	c1 = [0x20]string{
		"PAD", "HOP", "BPH", "NBH", "IND", "NEL", "SSA", "ESA",
		"HTS", "HTJ", "VTS", "PLD", "PLU", "RI", "SS2", "SS3",
		"DCS", "PU1", "PU2", "STS", "CCH", "MW", "SPA", "EPA",
		"SOS", "SGC", "SCI", "CSI", "ST", "OSC", "PM", "APC",
	}
)

// Name names the control character r by code point and abbreviation:
// "U+001B (ESC)". Any other rune is named by its code point only.
func Name(r rune) string {
	switch {
	case r >= 0 && r < 0x20:
		return fmt.Sprintf("U+%04X (%s)", r, c0[r])
	case r == 0x7f:
		return "U+007F (DEL)"
	case r >= 0x80 && r <= 0x9f:
		return fmt.Sprintf("U+%04X (%s)", r, c1[r-0x80])
	}
	return fmt.Sprintf("U+%04X", r)
}

// Found says what was found, for the start of a message: "control
// character U+001B (ESC)", or only "control character" when the value is a
// secret (a password): not even one of its characters is shown.
func Found(r rune, secret bool) string {
	if secret {
		return "control character"
	}
	return "control character " + Name(r)
}

// Expected is what a message says a value should have been, with the
// advice; allowed says which white space the reader's format allows
// ("tabs and line breaks are allowed").
func Expected(allowed string) string {
	return "expected text without control characters (" + allowed + "); " + Advice
}

// Escape returns s with every control character (tab, LF and CR included)
// written as \u001b, so that a name read from the input can be shown in a
// message without driving the terminal that shows it. A backslash is left
// as it is: the result is for reading, not for parsing back.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
