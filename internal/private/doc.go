// Package private creates the files and folders upsmigrate writes with
// modes that keep them to their owner — 0600 and 0700, whatever the umask
// and whatever mode an older file had: what the tool writes holds
// personal data, and the sandbox's state holds its token signing key.
package private
