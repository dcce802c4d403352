package main

import "fmt"

// writtenPerEmployee is about what one run of a stage writes per
// employee (200k of the mixed shape, the largest: convert 1.05 GiB, the
// HTML report 2.71 GiB, the XLSX 145 MiB), and inputPerEmployee what
// the inputs take.
var writtenPerEmployee = map[string]int64{stageConvert: 5600, stageHTML: 14600, stageXLSX: 800}

const inputPerEmployee = 700

// diskNeeded is about the bytes the runs of cfg write under its work
// directory, every run's files kept until the end.
func diskNeeded(cfg *config) int64 {
	var n int64
	for _, r := range cfg.Runs {
		n += int64(r.Rows) * inputPerEmployee
		for _, st := range cfg.Stages {
			n += int64(r.Rows) * writtenPerEmployee[st] * int64(max(cfg.Count, 1))
		}
	}
	return n
}

// diskWarning says when the file system of the work directory has less
// room than the runs need (free < 0: not known), and is "" otherwise.
func diskWarning(cfg *config, free int64) string {
	need := diskNeeded(cfg)
	if free < 0 || free >= need {
		return ""
	}
	return fmt.Sprintf("benchrun: warning: %s holds %.1f GB free; these runs write about %.1f GB, kept until the end (lower -count, fewer -runs, or -tmp elsewhere): a stage that runs out of space fails",
		cfg.Work, float64(free)/1e9, float64(need)/1e9)
}
