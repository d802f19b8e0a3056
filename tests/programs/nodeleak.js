// A small service with known leaks, used by the triage tests: each request adds a
// Session to a module-level Map that is never pruned and a listener (a closure holding
// the request) to a shared emitter that is never removed. A heap snapshot is written
// after each step.
//
// usage: node --expose-gc nodeleak.js OUT_DIR [STEPS]
const path = require("path");
const v8 = require("v8");
const { EventEmitter } = require("events");

class Session {
  constructor(id) {
    this.id = id;
    this.items = [id, id + 1];
  }
}

class Request {
  constructor(id) {
    this.id = id;
  }
}

const sessions = new Map();
const bus = new EventEmitter();
bus.setMaxListeners(0);

function handle(id) {
  sessions.set(id, new Session(id));
  const request = new Request(id);
  bus.on("tick", function onTick() {
    return request.id;
  });
}

const out = process.argv[2];
const steps = Number(process.argv[3] || 3);
for (let step = 1; step <= steps; step++) {
  for (let i = 0; i < 300; i++) {
    handle(step * 100000 + i);
  }
  global.gc();
  v8.writeHeapSnapshot(path.join(out, `step-${step}.heapsnapshot`));
}
