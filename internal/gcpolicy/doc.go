// Package gcpolicy sets the garbage collector up for a conversion.
//
// convert merges every record of an employee across all inputs, so it
// holds the whole run in memory until the plan is written: nearly every
// byte it allocates stays live to the end (measured on 100k employees:
// ~1.06 GB allocated, ~0.9 GB still live when the plan is done). The
// default collector (GOGC=100) nevertheless marks that growing heap again
// and again and frees almost nothing; on two cores that cost about a third
// of the conversion's CPU. Relax turns proportional collection off for the
// duration and sets a soft memory limit instead: half of the machine's
// memory, or of the smallest limit of the process's cgroup and its
// ancestors. The collector then runs only when memory is actually short.
// A GOGC or GOMEMLIMIT in the environment wins: the runtime is then left as
// the user configured it.
package gcpolicy
