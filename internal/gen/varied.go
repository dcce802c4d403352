package gen

import (
	"io"
	"math/rand/v2"
	"strconv"
)

// variedBlank are the 305 fields Write305Varied leaves blank now and then:
// the optional ones a real HR feed fills for some employees and not others.
var variedBlank = []int{3, 11, 14, 17, 18, 22, 23, 24, 43, 46, 49, 52, 55, 58, 60, 61, 62, 73, 74, 76, 77, 80, 86, 88, 89, 94}

// variedFill are the 305 fields Write305Varied fills now and then: the
// organisational units and custom fields Write305 leaves blank.
var variedFill = []int{19, 20, 21, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42}

// Write305Varied writes what Write305 writes for the same rows and seed,
// except that each record leaves blank a random subset of the optional
// fields and fills a random subset of the organisational units and custom
// fields Write305 never fills. Few records share the same set of filled
// fields, as in a real feed, where the generated shapes have a handful:
// it measures what the converter's shape-keyed reuse costs when it misses.
func Write305Varied(w io.Writer, rows int, seed int64) error {
	vary := rand.New(rand.NewPCG(uint64(seed), 0x632be59bd9b4e019))
	return write305Each(w, rows, seed, func(row []string, _ int) {
		for _, n := range variedBlank {
			if vary.IntN(6) == 0 {
				row[n-1] = ""
			}
		}
		for _, n := range variedFill {
			if vary.IntN(5) == 0 {
				row[n-1] = "V" + strconv.Itoa(n) + "-" + strconv.Itoa(vary.IntN(40))
			}
		}
	})
}
