// A small service with known goroutine leaks, used by the triage tests.
//
// Every tick it handles a burst of requests. fetch leaks one goroutine per timed-out
// request (blocked on a channel send nobody receives); watch leaks a goroutine that
// waits on a mutex held forever; dial leaks a connection whose reader waits in IO.
// A fixed pool of workers (select) and a sleeper never grow. The goroutine profile is
// written to -out every tick, with -debug 1 or 2.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"
)

func slowAnswer() int {
	time.Sleep(50 * time.Millisecond)
	return 42
}

// fetch gives up after its context's deadline; the goroutine's send then blocks forever.
func fetch(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() {
		ch <- slowAnswer()
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

var stuck sync.Mutex

// watch starts a goroutine that needs the mutex some other code never unlocks.
func watch(counter *int) {
	go func() {
		stuck.Lock()
		*counter++
		stuck.Unlock()
	}()
}

// dial opens a loopback connection and reads from it in a goroutine; nobody closes it.
func dial(addr string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	go func() {
		buf := make([]byte, 1)
		conn.Read(buf)
	}()
}

func worker(jobs <-chan int, quit <-chan struct{}) {
	for {
		select {
		case <-jobs:
		case <-quit:
			return
		}
	}
}

func main() {
	out := flag.String("out", ".", "directory for the goroutine dumps")
	debug := flag.Int("debug", 2, "profile debug level (1 or 2)")
	ticks := flag.Int("ticks", 4, "number of dumps")
	interval := flag.Duration("interval", 100*time.Millisecond, "time between dumps")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer ln.Close()
	var accepted []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted = append(accepted, c)
		}
	}()

	jobs, quit := make(chan int), make(chan struct{})
	for i := 0; i < 3; i++ {
		go worker(jobs, quit)
	}
	go func() {
		time.Sleep(time.Hour)
	}()

	stuck.Lock() // never unlocked
	counter := 0
	for t := 1; t <= *ticks; t++ {
		for i := 0; i < 6; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			fetch(ctx)
			cancel()
		}
		for i := 0; i < 3; i++ {
			watch(&counter)
		}
		dial(ln.Addr().String())
		time.Sleep(*interval)
		name := filepath.Join(*out, fmt.Sprintf("goroutines-%d.txt", t))
		f, err := os.Create(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.Lookup("goroutine").WriteTo(f, *debug)
		f.Close()
	}
	close(quit)
}
