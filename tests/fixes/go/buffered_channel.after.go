// fix-test: select=LL610
package fetch

import (
	"context"
	"errors"
	"time"
)

type Result struct{ Body []byte }

func download(url string) *Result { return &Result{} }

// The select can take ctx.Done(): nobody receives and the sender blocks forever.
func withContext(ctx context.Context, url string) (*Result, error) {
	ch := make(chan *Result, 1)
	go func() {
		ch <- download(url)
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// The goroutine does more after its send: with a buffer that would run before the
// receive, so this fix is unsafe.
func withCleanup(url string, d time.Duration, done func()) (*Result, error) {
	ch := make(chan *Result)
	go func() {
		ch <- download(url)
		done()
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-time.After(d):
		return nil, errors.New("timeout")
	}
}
