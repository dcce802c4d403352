// Package dropbehind keeps the large files a command writes (bulk
// requests, plan.jsonl, report.json, the HTML report) out of the page
// cache once they are written: each finished region is handed to a
// background goroutine that starts its write-back (sync_file_range), and
// a few regions later waits for it and drops its pages (posix_fadvise
// POSIX_FADV_DONTNEED), so that the wait is mostly over before it begins.
//
// Why: a run writes gigabytes it does not read again, and on the machines
// it runs on (virtual machines above all) filling the page cache with them
// costs more than writing them: every page cached is a page of memory
// touched for the first time, while the pages dropped behind are taken
// again by the next writes. On the 2-core build VM, writing 1 GiB took
// 0.8–2.2 s of system time through the page cache and 0.3 s dropped
// behind (BENCHMARKS.md). It also leaves the user's cache to the user.
//
// What is written is unchanged; a write-back error, which the page cache
// would only report at fsync, is reported by Dropper.Close, which waits
// for every region, or by Dropper.Release (how commands end), which
// reports those already waited for and leaves the last ones to the kernel
// rather than hold the command for the disk. Where the
// system offers neither call (other than Linux), the Dropper does
// nothing; a nil *Dropper does nothing either.
package dropbehind
