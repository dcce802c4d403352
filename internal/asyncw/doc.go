// Package asyncw writes to an io.Writer on a goroutine of its own: a
// Writer takes what it is given into buffers and returns at once, while
// its goroutine writes the buffers in order. Where one goroutine makes
// the bytes and a core is free (the end of a conversion, writing
// report.json while little else runs; the pages of the HTML report, their
// rendering beside their writing), the write system calls, which copy
// every byte into the page cache, no longer hold the one making them.
// Buffers go back to a pool when a Writer is closed: a report writes
// hundreds of pages, each through a Writer.
//
// A write error is kept and returned by the next Write, by Flush and by
// Close; what is given after it is dropped.
package asyncw
