// fix-test: select=LL107 unsafe
package files

import (
	"io"
	"os"
	"sync"
)

// A goroutine still reads the file after the function returns: `defer f.Close()` is
// right only if the function waits for it, so the fix is applied only with
// --unsafe-fixes.
func background(path string, wg *sync.WaitGroup, out chan<- []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		b, _ := io.ReadAll(f)
		out <- b
	}()
	return nil
}
