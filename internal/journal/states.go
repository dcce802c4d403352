package journal

import "fmt"

// Request states.
const (
	RequestSending = "sending"  // begun; the send may or may not have happened
	RequestSent    = "sent"     // accepted by the target (provision id known)
	RequestInDoubt = "in-doubt" // the answer was lost: settle by lookup, never re-send blindly
	RequestFailed  = "failed"   // refused by the target, or given up
	RequestDone    = "done"     // every operation has its outcome
)

// Operation states.
const (
	OpPlanned = "planned"
	OpSending = "sending"
	OpSent    = "sent"
	OpInDoubt = "in-doubt"
	OpSuccess = "success"
	OpPartial = "partial" // identity written, an extension failed
	OpFailed  = "failed"
	OpSkipped = "skipped"
)

// Final states of an input record.
const (
	RecordSuccess  = "success"
	RecordPartial  = "partial"
	RecordFailed   = "failed"
	RecordRejected = "rejected" // before sending
	RecordSkipped  = "skipped"
	RecordPending  = "pending" // no outcome yet (the run stopped)
)

// Where a user's UUID came from.
const (
	SourceCreated   = "created"   // this run created the user
	SourceLookup    = "lookup"    // found in the target by employeeNumber or userName
	SourceDirectory = "directory" // the --directory snapshot
)

var (
	requestStates = []string{RequestSending, RequestSent, RequestInDoubt, RequestFailed, RequestDone}
	opStates      = []string{OpPlanned, OpSending, OpSent, OpInDoubt, OpSuccess, OpPartial, OpFailed, OpSkipped}
	recordStates  = []string{RecordSuccess, RecordPartial, RecordFailed, RecordRejected, RecordSkipped, RecordPending}
	sources       = []string{SourceCreated, SourceLookup, SourceDirectory}
)

func oneOf(what, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("unknown %s %q (one of %v)", what, v, allowed)
}
