package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultThrottleRetryAfter is the Retry-After of the 429s of
// Config.ThrottleRate when Config.ThrottleRetryAfter is nil.
const DefaultThrottleRetryAfter = time.Second

// DefaultMaintenanceDuration is how long a maintenance window opened by
// Config.MaintenanceRate lasts when Config.MaintenanceDuration is 0.
const DefaultMaintenanceDuration = 5 * time.Second

// Streams of the seeded generators (rand.NewPCG(seed, stream)). Each fault
// family draws from its own stream, so enabling one does not move where the
// others hit.
const (
	streamRequest     = 0x5eed // DropRate, FailRate (+ its status), ThrottleRate
	streamIDs         = 0x1d5  // generated ids
	streamMaintenance = 0x3a1e // MaintenanceRate
	streamApplyDrop   = 0xa9d  // ApplyDropRate
	streamExtension   = 0xe47  // ExtFailRate
)

// reqKind classifies a request for fault injection.
type reqKind int

const (
	kindToken reqKind = iota // POST /oauth2/v0/token
	kindAPI                  // any other request
	kindWrite                // an API request that writes users (see classify)
)

// classify tells token, write and other requests apart. Writes are POST
// Bulk, POST /Users and PATCH|PUT|DELETE /Users/{id} under /profile/v4 and
// /provisioning/v4, and POST /Users, PATCH|PUT /Users/{id} under
// /profile/identity/v4[.1]; .search is a read.
func classify(r *http.Request) reqKind {
	segs := strings.Split(strings.ToLower(strings.Trim(r.URL.Path, "/")), "/")
	if strings.Join(segs, "/") == "oauth2/v0/token" {
		return kindToken
	}
	var rest []string
	switch {
	case len(segs) >= 2 && (segs[0] == "profile" || segs[0] == "provisioning") && segs[1] == "v4":
		rest = segs[2:]
		if len(rest) == 1 && rest[0] == "bulk" && r.Method == http.MethodPost {
			return kindWrite
		}
	case len(segs) >= 3 && segs[0] == "profile" && segs[1] == "identity" && (segs[2] == "v4" || segs[2] == "v4.1"):
		rest = segs[3:]
		if r.Method == http.MethodDelete {
			return kindAPI // not served there
		}
	default:
		return kindAPI
	}
	switch {
	case len(rest) == 1 && rest[0] == "users" && r.Method == http.MethodPost:
		return kindWrite
	case len(rest) == 2 && rest[0] == "users" && rest[1] != ".search":
		switch r.Method {
		case http.MethodPatch, http.MethodPut, http.MethodDelete:
			return kindWrite
		}
	}
	return kindAPI
}

// faultPlan is what the random draws decided for one request.
type faultPlan struct {
	drop        bool
	failStatus  int // 0 = no injected 5xx
	throttle    bool
	maintenance bool // the request opens a maintenance window
	applyDrop   bool
}

var failStatuses = [...]int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// planFaults makes every random draw of a request at once, before anything
// is processed, in this order:
//
//  1. request stream: DropRate; if not dropped, FailRate and, when it
//     fires, the status (one of four); if not failed, ThrottleRate;
//  2. maintenance stream: MaintenanceRate, for every non-token request;
//  3. apply-drop stream: ApplyDropRate, for every write request.
//
// A draw is made only when its rate is positive. Which draws happen depends
// on the request sequence and the seed only, never on the clock (an open
// maintenance window does not skip draws), so a seed replays the same
// decisions for the same request order.
func (s *Server) planFaults(kind reqKind) faultPlan {
	c := &s.cfg
	var p faultPlan
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	switch {
	case c.DropRate > 0 && s.faultRng.Float64() < c.DropRate:
		p.drop = true
	case c.FailRate > 0 && s.faultRng.Float64() < c.FailRate:
		p.failStatus = failStatuses[s.faultRng.IntN(len(failStatuses))]
	case c.ThrottleRate > 0 && s.faultRng.Float64() < c.ThrottleRate:
		p.throttle = true
	}
	if kind != kindToken && c.MaintenanceRate > 0 {
		p.maintenance = s.maintRng.Float64() < c.MaintenanceRate
	}
	if kind == kindWrite && c.ApplyDropRate > 0 {
		p.applyDrop = s.applyRng.Float64() < c.ApplyDropRate
	}
	return p
}

// injectFault applies the request-level faults, all decided before the
// request changes anything (a client may safely retry them): a drop closes
// the connection, then a maintenance window answers 503, --fail-rate a 5xx,
// --throttle-rate a 429. It arms the apply-drop of a write request, which
// acts after the handler committed its change (see statusWriter). It
// reports whether the request was answered.
func (s *Server) injectFault(w *statusWriter, kind reqKind) bool {
	p := s.planFaults(kind)
	if p.drop {
		// net/http closes the connection without a reply.
		panic(http.ErrAbortHandler)
	}
	if kind != kindToken {
		if p.maintenance {
			d := s.cfg.MaintenanceDuration
			if d <= 0 {
				d = DefaultMaintenanceDuration
			}
			s.openMaintenance(d)
		}
		if left := s.maintenanceLeft(); left > 0 {
			secs := max(1, int(math.Ceil(left.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, &scimError{Status: http.StatusServiceUnavailable,
				Detail: fmt.Sprintf("service under maintenance; retry after %d s", secs)})
			return true
		}
	}
	if p.failStatus != 0 {
		if p.failStatus == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, &scimError{Status: p.failStatus, Detail: "injected fault (--fail-rate)"})
		return true
	}
	if p.throttle {
		d := DefaultThrottleRetryAfter
		if s.cfg.ThrottleRetryAfter != nil {
			d = *s.cfg.ThrottleRetryAfter
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
		writeError(w, &scimError{Status: http.StatusTooManyRequests, ScimType: "tooMany", Detail: "injected throttling (--throttle-rate)"})
		return true
	}
	w.applyDrop = p.applyDrop
	return false
}

// SetMaintenance opens a maintenance window of d from now, replacing any
// open one; d <= 0 closes it. During the window every request but the token
// endpoint gets 503 with Retry-After (the seconds left, rounded up, at
// least 1).
func (s *Server) SetMaintenance(d time.Duration) {
	s.maintMu.Lock()
	defer s.maintMu.Unlock()
	if d <= 0 {
		s.maintUntil = time.Time{}
		return
	}
	s.maintUntil = s.clock().Add(d)
}

// openMaintenance opens a window of d unless one is open.
func (s *Server) openMaintenance(d time.Duration) {
	s.maintMu.Lock()
	now := s.clock()
	opened := !now.Before(s.maintUntil)
	if opened {
		s.maintUntil = now.Add(d)
	}
	s.maintMu.Unlock()
	if opened {
		s.logf("%s maintenance window opened for %s (--maintenance-rate)", now.UTC().Format(time.RFC3339), d)
	}
}

// maintenanceLeft is the time left in the open maintenance window (0: none).
func (s *Server) maintenanceLeft() time.Duration {
	s.maintMu.Lock()
	defer s.maintMu.Unlock()
	return max(0, s.maintUntil.Sub(s.clock()))
}

// extFault draws, from its own stream, whether one extension write fails
// (--ext-fail-rate). The worker draws once per extension written, in the
// order operations' extensions are written (provisions in queue order,
// operations in request order, extensions in status order).
func (s *Server) extFault() bool {
	if s.cfg.ExtFailRate <= 0 {
		return false
	}
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.extRng.Float64() < s.cfg.ExtFailRate
}

// injectedExtFailure is the extension error of --ext-fail-rate.
func injectedExtFailure(w extWork, old map[string]any) []message {
	path := w.Schema
	if a := wroteAttr(w, old); a != "" {
		path += ":" + a
	}
	return []message{{Code: "INVALID_VALUE", Message: "injected extension failure (--ext-fail-rate)", SchemaPath: path, Type: "error"}}
}

// wroteAttr names an attribute an extension write sets (or removes), for
// the schemaPath of an injected failure; "" when none can be named.
func wroteAttr(w extWork, old map[string]any) string {
	first := func(m map[string]any) string {
		if keys := sortedKeys(m); len(keys) > 0 {
			return keys[0]
		}
		return ""
	}
	switch {
	case w.Unset:
		return first(asMap(old[w.Schema]))
	case w.Set != nil:
		return first(w.Set)
	}
	for _, o := range w.Ops {
		if rest, ok := cutPrefixFold(o.Path, w.Schema+":"); ok && rest != "" {
			if i := strings.IndexAny(rest, "[."); i > 0 {
				rest = rest[:i]
			}
			return rest
		}
		var v map[string]any
		if json.Unmarshal(o.Value, &v) == nil {
			if a := first(v); a != "" {
				return a
			}
		}
	}
	return ""
}

func newRng(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}
