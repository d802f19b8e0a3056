"""Readers of memory and goroutine-count samples over time.

One entry point, ``read_series(path, text)``, recognises:

- CSV, TSV or whitespace columns: a time column and one or more value columns, with an
  optional header; units in the header (``rss (MiB)``, ``heap_mb``) or in the cells
  (``12.5MB``);
- JSON lines, a JSON array of samples, or one sample: a time field and numeric fields
  (nested objects flattened as ``a.b``); Go ``runtime.MemStats`` and ``expvar``
  ``/debug/vars`` samples give HeapAlloc, HeapInuse, Sys and the goroutine count when
  present; Node ``process.memoryUsage()`` objects give rss, heapTotal, heapUsed, external;
- a Prometheus ``query_range`` answer (``resultType: matrix``): one series per result,
  named from its labels;
- Node log lines that print ``process.memoryUsage()`` after a timestamp, on one line or
  as util.inspect spreads them over several.

Times are epoch seconds, milliseconds, microseconds or nanoseconds, ISO 8601, or seconds
from the start. Every problem raises ``TriageInputError`` naming the file (and line).
"""

from __future__ import annotations

import calendar
import gc
import itertools
import json
import math
import re
from datetime import datetime, timezone

from .errors import TriageInputError
from .series import Series
from .units import BYTES, GOROUTINES, parse_size, unit_of_name

TIME_NAMES = ("time", "timestamp", "ts", "t", "date", "datetime", "@timestamp", "epoch",
              "elapsed", "seconds", "when", "at", "sampled_at")
NODE_KEYS = ("rss", "heapTotal", "heapUsed", "external")
GO_KEYS = ("HeapAlloc", "HeapInuse", "Sys")
GOROUTINE_KEYS = ("goroutines", "NumGoroutine", "num_goroutine", "Goroutines")
MISSING = frozenset(("", "nan", "NaN", "null", "None", "NA", "-"))

_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
                  r"\s*(Z|[+-]\d\d:?\d\d)?$")
_NODE_PAIR = re.compile(r"\b(rss|heapTotal|heapUsed|external|arrayBuffers)\b[\"']?\s*[:=]\s*"
                        r"([-+]?\d[\d_.]*(?:e[-+]?\d+)?(?:\s*[KMGT]i?B\b|\s*B\b)?)", re.IGNORECASE)
_LEADING_TIME = re.compile(r"^\W*(\d{4}-\d\d-\d\d[T ][\d:.,]+(?:Z|[+-]\d\d:?\d\d)?|\d{9,19}(?:\.\d+)?)")


def read_series(path: str, text: str) -> list[Series]:
    """The series in one file's text."""
    # a million samples make millions of small lists and strings that are never cyclic:
    # the collector's passes over them would cost more than the parsing itself
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(path, text)
    finally:
        if collecting:
            gc.enable()


def _read(path: str, text: str) -> list[Series]:
    out = [s for s in map(_finite, _parse(path, text)) if s.times]
    if not out:
        raise TriageInputError(f"{path}: no finite samples")
    return out


def _finite(series: Series) -> Series:
    """Without the samples whose time or value is NaN or infinite (a sum shows any)."""
    if math.isfinite(sum(series.values)) and math.isfinite(sum(series.times)):
        return series
    keep = [i for i, (t, v) in enumerate(zip(series.times, series.values))
            if math.isfinite(t) and math.isfinite(v)]
    return Series(series.name, series.kind, [series.times[i] for i in keep],
                  [series.values[i] for i in keep], series.source)


def _parse(path: str, text: str) -> list[Series]:
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise TriageInputError(f"{path}: empty file, no samples")
    if body[0] in "{[":
        whole = _json_or_none(body)
        if whole is not None:
            return _from_json_document(path, whole)
        if _NODE_PAIR.search(body[:4096]) and not _looks_like_json_lines(body):
            return _node_log(path, body)
        return _from_records(path, _json_lines(path, text))
    if _NODE_PAIR.search(body[:4096]):
        return _node_log(path, body)
    return _table(path, text)


# ---------------------------------------------------------------- times


def parse_time(text) -> float:
    """Seconds from a number or an ISO 8601 date-time (UTC when no offset is given)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    text = str(text).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        m = _ISO.match(text)
        if m is None:
            raise ValueError(f"{text[:40]!r} is not a time (epoch seconds or ms, or ISO 8601)") from None
        y, mo, d, h, mi, s, frac, zone = m.groups()
        seconds = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s or 0)))
        seconds += float(f"0.{frac}") if frac else 0.0
        if zone and zone != "Z":
            sign = -1 if zone[0] == "+" else 1
            digits = zone[1:].replace(":", "")
            seconds += sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
        return seconds
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


def _normalise_epoch(times: list) -> list:
    """Milliseconds, microseconds and nanoseconds since the epoch become seconds."""
    if not times:
        return times
    top = max(times)
    for limit, factor in ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3)):
        if top > limit:
            return [t / factor for t in times]
    return times


def _times(path: str, cells, where) -> list:
    try:
        return _normalise_epoch(list(map(float, cells)))
    except (ValueError, TypeError):
        pass
    out = []
    for i, cell in enumerate(cells):
        try:
            out.append(parse_time(cell))
        except (ValueError, TypeError, OverflowError) as exc:
            raise TriageInputError(f"{path}:{where(i)}: {exc}") from None
    return _normalise_epoch(out)


# ---------------------------------------------------------------- tables


def _table(path: str, text: str) -> list[Series]:
    lines = text.splitlines()
    numbers = None  # line numbers, worked out only when lines are left out
    if any(not ln.strip() or ln.lstrip().startswith("#") for ln in lines[:20]) or \
            "" in lines or "\n#" in text:
        numbers = [n for n, ln in enumerate(lines, 1)
                   if ln.strip() and not ln.lstrip().startswith("#")]
        lines = [lines[n - 1] for n in numbers]
    if not lines:
        raise TriageInputError(f"{path}: no samples")
    first = lines[0]
    delim = next((d for d in (",", "\t", ";") if d in first), None)

    def number(i):  # the file's line number of lines[i]
        return numbers[i] if numbers else i + 1

    head = [c.strip().strip('"') for c in first.split(delim)]
    if len(head) < 2:
        raise TriageInputError(f"{path}:{number(0)}: expected a time column and a value column, "
                               "separated by commas, tabs, semicolons or spaces")
    has_header = not _is_time(head[0]) and not _is_time(head[-1])
    names = head if has_header else [f"column{i + 1}" for i in range(len(head))]
    skip = 1 if has_header else 0
    if len(lines) <= skip:
        raise TriageInputError(f"{path}: a header but no samples")
    rows = [ln.split(delim) for ln in lines[skip:]]
    width = len(names)
    if len(set(map(len, rows))) != 1 or len(rows[0]) != width:
        bad = next(i for i, row in enumerate(rows) if len(row) != width)
        raise TriageInputError(f"{path}:{number(bad + skip)}: {len(rows[bad])} fields where "
                               f"the {'header' if has_header else 'first line'} has {width}")
    columns = list(zip(*rows))
    if '"' in first or (len(lines) > skip and '"' in lines[skip]):
        columns = [[c.strip().strip('"') for c in col] for col in columns]
    lowered = [n.lower() for n in names]
    time_index = next((lowered.index(n) for n in TIME_NAMES if n in lowered), 0)

    def where(i):
        return number(i + skip)

    times = _times(path, columns[time_index], where)
    out = []
    for index, name in enumerate(names):
        if index == time_index:
            continue
        kind, factor = unit_of_name(name)
        t, v, cell_bytes = _values(path, times, columns[index], factor, where)
        if cell_bytes and kind != GOROUTINES:
            kind = BYTES
        if t:
            out.append(Series(name, kind, t, v, path))
    if not out:
        raise TriageInputError(f"{path}: no numeric value column")
    return out


def _is_time(cell: str) -> bool:
    try:
        parse_time(cell)
        return True
    except (ValueError, OverflowError):
        return False


def _values(path, times, cells, factor, where):
    """Times and values of one column, leaving out missing cells; cells may carry a unit
    (``12.5MB``), which makes the column memory."""
    try:
        values = list(map(float, cells))
        if factor != 1.0:
            values = [v * factor for v in values]
        return times, values, False
    except ValueError:
        pass
    t_out, v_out, with_unit = [], [], False
    for i, cell in enumerate(cells):
        cell = cell.strip()
        if cell in MISSING:
            continue
        try:
            v_out.append(float(cell) * factor)
        except ValueError:
            try:
                v_out.append(parse_size(cell))
                with_unit = True
            except ValueError as exc:
                raise TriageInputError(f"{path}:{where(i)}: {exc}") from None
        t_out.append(times[i])
    return t_out, v_out, with_unit


# ---------------------------------------------------------------- JSON


def _json_or_none(body: str):
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _looks_like_json_lines(body: str) -> bool:
    first = body.split("\n", 1)[0].strip()
    return _json_or_none(first) is not None


_BATCH = 4096  # lines decoded by one json.loads: the per-call cost dominates short lines


def _json_lines(path: str, text: str):
    """(line number, object) of each line, decoded a batch of lines at a time (as one
    JSON array; a batch that does not decode so is decoded line by line, which names
    the bad line)."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    for start in range(0, len(numbered), _BATCH):
        batch = numbered[start:start + _BATCH]
        try:
            records = json.loads("[" + ",".join(line for _, line in batch) + "]")
        except (ValueError, RecursionError):
            records = None
        if records is None or len(records) != len(batch):
            records = [_json_line(path, number, line) for number, line in batch]
        for (number, _), record in zip(batch, records):
            if not isinstance(record, dict):
                raise TriageInputError(f"{path}:{number}: expected a JSON object per line")
            yield number, record


def _json_line(path: str, number: int, line: str):
    try:
        return json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise TriageInputError(f"{path}:{number}: not JSON: {exc}") from None


def _from_json_document(path: str, doc) -> list[Series]:
    if isinstance(doc, dict):
        data = doc.get("data") if isinstance(doc.get("data"), dict) else doc
        if "resultType" in data or "result" in data:
            return _prometheus(path, doc, data)
        return _from_records(path, [(1, doc)])
    if isinstance(doc, list):
        if not all(isinstance(r, dict) for r in doc):
            raise TriageInputError(f"{path}: expected a list of JSON objects (samples)")
        return _from_records(path, [(i + 1, r) for i, r in enumerate(doc)])
    raise TriageInputError(f"{path}: expected JSON objects with a time and values")


def _prometheus(path: str, doc: dict, data: dict) -> list[Series]:
    if doc.get("status") == "error":
        raise TriageInputError(f"{path}: the Prometheus answer is an error: {doc.get('error', '')}")
    kind = data.get("resultType")
    if kind != "matrix":
        raise TriageInputError(f"{path}: Prometheus resultType {kind!r}; use a range query "
                               "(query_range), which answers with a matrix")
    results = data.get("result")
    if not isinstance(results, list):
        raise TriageInputError(f"{path}: Prometheus answer without a result list")
    out = []
    for i, result in enumerate(results):
        if not isinstance(result, dict) or not isinstance(result.get("values"), list):
            raise TriageInputError(f"{path}: Prometheus result {i} has no values list")
        labels = result.get("metric") if isinstance(result.get("metric"), dict) else {}
        metric = str(labels.get("__name__", "")) or "series"
        rest = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
        name = f"{metric}{{{rest}}}" if rest else metric
        unit, factor = unit_of_name(metric)
        if metric == "go_goroutines":
            unit = GOROUTINES
        times, values = [], []
        for pair in result["values"]:
            try:
                t, v = float(pair[0]), float(pair[1])
            except (TypeError, ValueError, IndexError):
                raise TriageInputError(f"{path}: Prometheus result {i}: bad sample {str(pair)[:60]}") from None
            if v == v:  # NaN marks a gap
                times.append(t)
                values.append(v * factor)
        if times:
            out.append(Series(name, unit, _normalise_epoch(times), values, path))
    if not out:
        raise TriageInputError(f"{path}: the Prometheus answer holds no samples")
    return out


def _flatten(record: dict, prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", out)
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out[name] = value
    return out


def _pick_fields(keys: list) -> list:
    """Which fields of a sample are series: the known runtimes' figures, else every number."""
    short = {k.rsplit(".", 1)[-1]: k for k in keys}
    for marker, known in (("HeapAlloc", GO_KEYS), ("heapUsed", NODE_KEYS)):
        if marker in short:
            return [short[k] for k in (*known, *GOROUTINE_KEYS) if k in short]
    return []


def _from_records(path: str, records) -> list[Series]:
    """Series from samples ``(line number, object)``: the fields are chosen from the first
    samples, then each sample gives its time and values (and is let go: a million samples
    are not kept as objects)."""
    records = iter(records)
    head = list(itertools.islice(records, 50))
    if not head:
        raise TriageInputError(f"{path}: no samples")
    flat_head = [_flatten(r) for _, r in head]
    keys = list(dict.fromkeys(k for r in flat_head for k in r))
    time_key = next((k for name in TIME_NAMES for k in keys if k.lower() == name), None)
    if time_key is None:
        raise TriageInputError(f"{path}: the samples have no time field "
                               f"(one of: {', '.join(TIME_NAMES[:6])})")
    fields = _pick_fields(keys) or [k for k in keys if k != time_key and _numeric(flat_head[0].get(k))]
    if not fields:
        raise TriageInputError(f"{path}: the samples have no numeric field besides {time_key!r}")
    paths = [tuple(k.split(".")) for k in [time_key, *fields]]
    numbers, columns = [], [[] for _ in paths]
    for number, record in itertools.chain(head, records):
        row = [_get(record, p) for p in paths]
        if row[0] is None:
            continue
        numbers.append(number)
        for column, value in zip(columns, row):
            column.append(value)
    times = _times(path, columns[0], lambda i: numbers[i])
    out = []
    for key, column in zip(fields, columns[1:]):
        name = key.rsplit(".", 1)[-1] if key.startswith("memstats.") else key
        kind, factor = unit_of_name(name)
        if name in GOROUTINE_KEYS:
            kind, factor = GOROUTINES, 1.0
        t_out, v_out = [], []
        for i, value in enumerate(column):
            if value is None or value in MISSING:
                continue
            v_out.append(_number(path, numbers[i], key, value) * factor)
            t_out.append(times[i])
        if t_out:
            out.append(Series(name, kind, t_out, v_out, path))
    return out


def _get(record: dict, keys: tuple):
    """``record["a"]["b"]`` for ``("a", "b")``; None where it is missing or not a value."""
    if len(keys) == 1:  # the common flat sample: one look-up, the exact types first
        value = record.get(keys[0])
        if type(value) in _PLAIN:
            return value
    else:
        value = record
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
    return value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None


_PLAIN = (int, float, str)


def _numeric(value) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    if isinstance(value, str):
        try:
            parse_size(value)
            return True
        except ValueError:
            return False
    return False


def _number(path, number, key, value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return parse_size(str(value))
    except ValueError as exc:
        raise TriageInputError(f"{path}:{number}: {key}: {exc}") from None


# ---------------------------------------------------------------- Node logs


def _node_log(path: str, body: str) -> list[Series]:
    """Lines like ``2024-05-01T10:00:00Z { rss: 1, heapTotal: 2, heapUsed: 3, ... }``; an
    object spread over several lines belongs to the last time seen."""
    samples = []  # (line number, time text, {key: value text})
    for number, line in enumerate(body.splitlines(), 1):
        pairs = _NODE_PAIR.findall(line)
        stamp = _LEADING_TIME.match(line)
        if stamp is not None and (pairs or "{" in line):
            samples.append((number, stamp.group(1), {}))
        if not pairs:
            continue
        if not samples:
            raise TriageInputError(f"{path}:{number}: memory figures without a time before them "
                                   "(log a timestamp with each process.memoryUsage())")
        current = samples[-1][2]
        for key, value in pairs:
            key = next(k for k in (*NODE_KEYS, "arrayBuffers") if k.lower() == key.lower())
            if key in current:  # a new sample printed without its own time
                raise TriageInputError(f"{path}:{number}: {key} twice for one time; "
                                       "log a timestamp with each sample")
            current[key] = value
    samples = [s for s in samples if s[2]]
    if not samples:
        raise TriageInputError(f"{path}: no process.memoryUsage() samples")
    times = _times(path, [s[1] for s in samples], lambda i: samples[i][0])
    out = []
    for key in NODE_KEYS:
        t_out, v_out = [], []
        for i, (number, _, values) in enumerate(samples):
            if key in values:
                v_out.append(_number(path, number, key, values[key].replace("_", "")))
                t_out.append(times[i])
        if t_out:
            out.append(Series(key, BYTES, t_out, v_out, path))
    return out
