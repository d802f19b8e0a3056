// fix-test: select=LL901
package client

import (
	"context"
	"net/http"
	"time"
)

// The cancel func is thrown away: the timer lives until the timeout fires.
func ping(parent context.Context, c *http.Client, url string) error {
	ctx, _ := context.WithTimeout(parent, 2*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	_, err = c.Do(req)
	return err
}

// `cancel` is taken already: another name is chosen.
func pingTwice(parent context.Context, cancel func(), url string) error {
	defer cancel()
	ctx, _ := context.WithCancelCause(parent)
	_, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	return err
}

// The context goes to a goroutine that may outlive the function: cancelling at return
// would stop it, so this fix is unsafe and not applied without --unsafe-fixes.
func background(parent context.Context, work func(context.Context)) {
	ctx, _ := context.WithDeadline(parent, time.Now().Add(time.Minute))
	go work(ctx)
}
