// memgrow: a small Go program whose heap and goroutine count follow one of the five
// shapes, printing runtime.MemStats samples as JSON lines with the time and the number
// of goroutines.
//
//	go run . -shape linear -samples 150 > samples.jsonl
//
// Each sample is read after runtime.GC(), as a leak test does, so HeapAlloc is the live
// heap rather than a GC wave. Samples come every 20 ms or so; the shape is laid out in
// samples, not seconds, so that a busy machine stretches the run without changing it.
package main

import (
	"encoding/json"
	"flag"
	"os"
	"runtime"
	"time"
)

type sample struct {
	Time       time.Time        `json:"time"`
	Goroutines int              `json:"goroutines"`
	MemStats   runtime.MemStats `json:"memstats"`
}

type sampler struct {
	enc     *json.Encoder
	taken   int
	samples int
}

// tick records one sample and waits a little; false once the run is over.
func (s *sampler) tick() bool {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	now := time.Now()
	if err := s.enc.Encode(sample{Time: now, Goroutines: runtime.NumGoroutine(), MemStats: m}); err != nil {
		panic(err)
	}
	s.taken++
	time.Sleep(20 * time.Millisecond)
	return s.taken < s.samples
}

func (s *sampler) progress() float64 {
	return float64(s.taken) / float64(s.samples)
}

var sink []byte

// working is the fixed working set of the healthy run: against a few megabytes, the
// runtime's own small allocations stay far below the flat tolerance.
var working []byte

func flat(s *sampler) {
	for s.tick() {
		for i := 0; i < 4; i++ { // a request's buffers, dropped when it is done
			sink = make([]byte, 256<<10)
		}
		sink = nil
	}
}

// a worker per request that waits on a channel nobody ever sends on
func linear(s *sampler) {
	for s.tick() {
		for i := 0; i < 3; i++ {
			ch := make(chan []byte)
			buf := make([]byte, 64<<10)
			go func() {
				v := <-ch
				_ = append(v, buf...)
			}()
		}
	}
}

var cache = map[int][]byte{}

func step(s *sampler) {
	filled := 0
	for s.tick() {
		due := int(s.progress() * 5)
		if due > filled { // the cache fills in bursts
			filled = due
			for i := 0; i < 12; i++ {
				cache[due*100+i] = make([]byte, 1<<20)
			}
		}
	}
}

func spike(s *sampler) {
	var held [][]byte
	for s.tick() {
		p := s.progress()
		if p >= 0.4 && p < 0.5 { // a burst of load buffers everything it receives
			for i := 0; i < 3; i++ {
				held = append(held, make([]byte, 1<<20))
			}
		} else if p >= 0.5 {
			held = nil
		}
	}
}

// batch defers the release of every item to its own return
func batch(s *sampler, n int) bool {
	for i := 0; i < n; i++ {
		buf := make([]byte, 512<<10)
		defer func() { buf[0] = 0 }()
		if !s.tick() {
			return false
		}
	}
	return true
}

func sawtooth(s *sampler) {
	for batch(s, 15) {
	}
}

func main() {
	shape := flag.String("shape", "flat", "flat, linear, step, spike or sawtooth")
	samples := flag.Int("samples", 150, "how many samples to take")
	flag.Parse()
	s := &sampler{enc: json.NewEncoder(os.Stdout), samples: *samples}
	if *shape == "flat" {
		working = make([]byte, 4<<20)
	}
	for i := 0; i < 5; i++ {
		s.tick()
	}
	run := map[string]func(*sampler){"flat": flat, "linear": linear, "step": step,
		"spike": spike, "sawtooth": sawtooth}[*shape]
	if run == nil {
		flag.Usage()
		os.Exit(2)
	}
	run(s)
}
