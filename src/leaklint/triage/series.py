"""A series of samples over time, as every reader hands it on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Series:
    name: str
    kind: str  # units.BYTES, units.GOROUTINES or units.COUNT
    times: list = field(default_factory=list)  # seconds (epoch or relative), ascending
    values: list = field(default_factory=list)  # bytes or counts
    source: str = ""  # the file it came from

    def sorted(self) -> "Series":
        """Samples in time order (logs merged from several writers may not be)."""
        t = self.times
        if t == sorted(t):
            return self
        order = sorted(range(len(t)), key=t.__getitem__)
        return Series(self.name, self.kind, [t[i] for i in order],
                      [self.values[i] for i in order], self.source)
