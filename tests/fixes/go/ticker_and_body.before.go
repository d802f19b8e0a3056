// fix-test: select=LL902,LL903
package poll

import (
	"io"
	"net/http"
	"time"
)

// Never stopped: the ticker keeps firing after the function returns.
func firstTick(d time.Duration) time.Time {
	ticker := time.NewTicker(d)
	return <-ticker.C
}

// The body stays open when the status is not 200.
func fetch(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil
	}
	return io.ReadAll(resp.Body)
}

// Closed on every path: not reported, and shows how this file closes bodies.
func status(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
