// A small Node program whose heap follows one of the five shapes, logging
// process.memoryUsage() after a timestamp on each line, as a service's log would.
//
//   node --expose-gc memgrow.js SHAPE [SAMPLES] > memory.log
//
// gc() runs before each sample, so heapUsed is the live heap rather than a GC wave. It
// takes SAMPLES samples (150 by default), one every 20 ms or so; the shape is laid out in
// samples, not seconds, so that a busy machine stretches the run without changing it.
'use strict';
const util = require('util');
const { EventEmitter } = require('events');

const shape = process.argv[2];
const samples = Number(process.argv[3] || 150);
let taken = 0;

function sample() {
  global.gc();
  const usage = util.inspect(process.memoryUsage(), { breakLength: Infinity });
  process.stdout.write(`${new Date().toISOString()} memory ${usage}\n`);
  taken += 1;
  return taken < samples;
}

const progress = () => taken / samples;
const payload = (kb) => Array.from({ length: kb * 16 }, (_, i) => ({ i }));  // ~kb KB of objects

const bus = new EventEmitter();
bus.setMaxListeners(0);
const cache = new Map();
let held = [];
let filled = 0;
let kept = [];

const shapes = {
  flat() { payload(256).length; },  // a request's objects, dropped when it is done
  linear() {  // a listener per request, never removed
    const data = payload(64);
    bus.on('tick', () => data.length);
  },
  step() {  // the cache fills in bursts
    const due = Math.floor(progress() * 5);
    if (due > filled) {
      filled = due;
      for (let i = 0; i < 12; i++) cache.set(`${due}:${i}`, payload(256));
    }
  },
  spike() {  // a burst of load buffers everything it receives
    const p = progress();
    if (p >= 0.4 && p < 0.5) held.push(payload(512));
    else if (p >= 0.5) held = [];
  },
  sawtooth() {  // a batch keeps every item until it is done
    kept.push(payload(128));
    if (kept.length === 15) kept = [];
  },
};

if (!shapes[shape] || typeof global.gc !== 'function') {
  process.stderr.write('usage: node --expose-gc memgrow.js flat|linear|step|spike|sawtooth [SAMPLES]\n');
  process.exit(2);
}

// the healthy run's fixed working set: against a few megabytes, the runtime's own small
// allocations stay far below the flat tolerance
const working = shape === 'flat' ? payload(16384) : null;

let warm = 5;
(function loop() {
  const more = sample();
  if (warm > 0) warm -= 1; else shapes[shape]();
  if (more) setTimeout(loop, 20);
  else if (working) working.length;
})();
