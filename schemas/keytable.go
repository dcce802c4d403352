package schemas

// keyTable finds a string among a fixed set of keys (property names, string
// enum values) with a perfect hash over a few sampled bytes: one multiply
// and at most one string comparison, instead of hashing the whole key as a
// Go map does. Sets the hash cannot separate fall back to a map.
type keyTable struct {
	slots    []keySlot
	shift    uint8
	seed     uint64
	fallback map[string]int
	keys     []string
}

// keySlot is one entry of a keyTable: idx is -1 when empty.
type keySlot struct {
	key string
	idx int
}

const keyMul = 0x9E3779B97F4A7C15

// keySample packs the length and six bytes of s into a word.
func keySample(s string) uint64 {
	n := len(s)
	x := uint64(n)
	if n > 1 {
		x |= uint64(s[0])<<16 | uint64(s[n-1])<<24 | uint64(s[n-2])<<32 | uint64(s[n/2])<<40 |
			uint64(s[n/4])<<48 | uint64(s[n-1-n/4])<<56
	} else if n == 1 {
		x |= uint64(s[0]) << 16
	}
	return x
}

// newKeyTable builds a table over distinct keys; find returns indexes into
// keys.
func newKeyTable(keys []string) keyTable {
	t := keyTable{keys: keys}
	if len(keys) == 0 {
		t.slots, t.shift = []keySlot{{idx: -1}}, 64
		return t
	}
	if len(keys) < 255 {
		samples := make([]uint64, len(keys))
		for i, k := range keys {
			samples[i] = keySample(k)
		}
		bits := uint8(0)
		for 1<<bits < len(keys) {
			bits++
		}
		for ; bits <= 12 && 1<<bits <= 16*len(keys); bits++ {
			slots := make([]keySlot, 1<<bits)
			shift := 64 - bits
			for try := uint64(0); try < 2000; try++ {
				seed := try * 0xBF58476D1CE4E5B9
				for i := range slots {
					slots[i] = keySlot{idx: -1}
				}
				ok := true
				for i, x := range samples {
					j := ((x ^ seed) * keyMul) >> shift
					if bits == 0 {
						j = 0
					}
					if slots[j].idx >= 0 {
						ok = false
						break
					}
					slots[j] = keySlot{key: keys[i], idx: i}
				}
				if ok {
					t.slots, t.seed, t.shift = slots, seed, shift
					return t
				}
			}
		}
	}
	t.fallback = make(map[string]int, len(keys))
	for i, k := range keys {
		t.fallback[k] = i
	}
	return t
}

// find returns the index of k among the keys, or -1.
func (t *keyTable) find(k string) int {
	if t.fallback != nil {
		if i, ok := t.fallback[k]; ok {
			return i
		}
		return -1
	}
	e := &t.slots[((keySample(k)^t.seed)*keyMul)>>t.shift]
	if e.key != k {
		return -1
	}
	return e.idx
}
