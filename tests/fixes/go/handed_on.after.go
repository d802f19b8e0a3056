// fix-test: select=LL107
package files

import (
	"bufio"
	"io"
	"os"
)

type closer struct{ close func() error }

func onExit(f func() error) {}

// The method value goes to a helper that closes the file later: no finding, no fix.
func registered(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	onExit(f.Close)
	_, err = io.ReadAll(f)
	return err
}

// A reader over the file is returned: the caller reads the file after the return.
func reader(path string) (*bufio.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return bufio.NewReader(f), nil
}

// A struct holding the method value is returned.
func handle(path string) (*closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &closer{close: f.Close}, nil
}

// A closure over the file is handed to the caller.
func lazy(path string) (func() ([]byte, error), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	read := func() ([]byte, error) { return io.ReadAll(f) }
	return read, nil
}

// Only this one is the function's to close: the fix is safe.
func size(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, serr := f.Stat()
	if serr != nil {
		return 0, serr
	}
	return st.Size(), nil
}
