//go:build !unix

package main

import "os"

// maxRSS is unknown (0) where the system gives no rusage.
func maxRSS(*os.ProcessState) int64 { return 0 }

// flushWrites does nothing where there is no sync.
func flushWrites() {}
