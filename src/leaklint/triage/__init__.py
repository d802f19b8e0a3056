"""Runtime triage: memory and goroutine series, goroutine dumps, heap snapshots and
tracemalloc dumps, joined with a static scan."""
