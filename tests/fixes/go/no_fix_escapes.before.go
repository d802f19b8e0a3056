// fix-test: select=LL107
package files

import (
	"io"
	"os"
	"sync"
)

// A goroutine still reads the file after the function returns: `defer f.Close()` here
// would close it under the goroutine's feet. The fix is unsafe, so a plain --fix leaves
// the file alone.
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

func consume(f *os.File, out chan<- []byte) {
	b, _ := io.ReadAll(f)
	out <- b
}

// The same with a named function started as a goroutine.
func started(path string, out chan<- []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	go consume(f, out)
	return nil
}
