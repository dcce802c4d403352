// Package model holds the leaf types shared by every stage of upsmigrate:
// input records with their positions, the diagnostics raised about them, and
// the per-employee change sets that mapping produces and planning consumes.
//
// It imports nothing from the project, so every other package may import it.
package model
