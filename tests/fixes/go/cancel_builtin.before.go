// fix-test: select=LL301 unsafe
package svc

import (
	"context"
	"time"
)

// Never called at all.
func deadline(parent context.Context, at time.Time, work func(context.Context)) {
	ctx, cancel := context.WithDeadline(parent, at)
	work(ctx)
	_ = cancel
}

// The context is returned: cancelling it at return would hand back a dead context, so
// there is no fix, not even an unsafe one.
func detached(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent)
	return ctx
}

// Stored in a struct: no fix either.
type job struct{ ctx context.Context }

func newJob(parent context.Context) *job {
	ctx, cancel := context.WithTimeout(parent, time.Minute)
	_ = cancel
	return &job{ctx: ctx}
}
