"""Analysis of one file: read, prefilter, parse, run the enabled rules, suppress.

``analyze_file`` is a pure function of its arguments, so files can be analysed in any
order or in other processes; it never raises for bad input: problems become
diagnostics on the file's result.
"""

from __future__ import annotations

import importlib
import os
import traceback

from . import contexts, languages, suppress
from .catalogue import LIFECYCLE_ASKER, META_FAMILY, active_on, query_askers
from .checks import check_for
from .deadline import Deadline, FileTimeout
from .facts import js_startup
from .facts.collect import DECLARED_ONLY, READS_OPTION
from .languages import recent_syntax
from .model import Diagnostic, FileResult, Finding, Related, Verified
from .report.escape import printable
from .settings import Settings, read_source, rules_for
from .source import SourceFile, decode, is_binary, lone_cr_to_lf, looks_minified

# language family -> "module:class" of its lifecycle adapter
ADAPTERS = {
    "go": "leaklint.languages.go:GoAdapter",
    "python": "leaklint.languages.python:PythonAdapter",
    "typescript": "leaklint.languages.javascript:JsAdapter",
    "javascript": "leaklint.languages.javascript:JsAdapter",
}


class FileContext:
    """What a rule sees of a file, and where it reports."""

    def __init__(self, src: SourceFile, tree, settings: Settings, result: FileResult,
                 family: str):
        self.src = src
        self.tree = tree
        self.settings = settings
        self.result = result
        self.family = family
        self.cache: dict = {}  # shared per-file state between rules (adapters...)
        self.deadline = Deadline(None)  # the file's time budget: long loops may check() it
        self.queries = None  # languages.FileQueries: root-level query results, shared
        self.reads: dict = {}  # what this file's analysis reads from other files (facts.index)
        self.enabled: list = []  # the rules enabled for this file, whether they ran or not
        # test, script, example, generated or ordinary code, and why (contexts.classify)
        self.context = contexts.classify(
            src.path, family, src.data[:contexts.HEAD_BYTES].decode("utf-8", "replace"),
            settings.contexts)

    @property
    def is_test(self) -> bool:
        """Is the file test code? The context policy's answer (``contexts.classify``):
        the one notion of "test" every rule, severity and owner asks."""
        return self.context.kind == contexts.TEST

    def reads_for(self, rule) -> dict:
        """What the file read from other files, as ``rule`` may use it: a read that only
        the rules declaring it see (``DECLARED_ONLY``) is left out for the others."""
        declared = rule.options.get(READS_OPTION) if rule is not None else None
        declared = {declared} if isinstance(declared, str) else set(declared or ())
        hidden = [k for k in DECLARED_ONLY if k in self.reads and k not in declared]
        return {k: v for k, v in self.reads.items() if k not in hidden} if hidden else self.reads

    def reported_here(self, node, traits=(), rule=None) -> contexts.Decision:
        """Would a finding of ``rule`` at ``node`` with ``traits`` (contexts.ACCUMULATES,
        OUTLIVES, EXCEPTION_ONLY, PER_TURN) be reported under the context policy? For
        PER_TURN, ``node`` is the body of the loop it piles up in."""
        role = contexts.role_of(node, self.family, self.src.path, self.reads_for(rule))
        return contexts.decide(self.context, role, traits,
                               self.settings.contexts)

    def emit(self, rule, node, message: str, related=(), flows=(), severity: str | None = None,
             fix_anchors: dict | None = None, traits=(), acquired=None) -> None:
        """Report a finding at ``node``, unless the context policy leaves it out (then it
        is counted in ``FileResult.context_hidden``). ``traits`` say what the rule knows of
        the leak (see contexts.py); ``acquired``: where the handle was acquired, when the
        finding is reported elsewhere (its place, not the report's, says whether it is
        acquired in a loop, a test or a helper), or with PER_TURN the body of the loop it
        piles up in. ``fix_anchors`` names the shape of fix that applies
        and the nodes its fixer needs beyond ``node`` (``{"shape": "buffer-channel", ...}``);
        the fix itself is computed only when the run asks for fixes (``fixes.attach``)."""
        src = self.src
        if not self.reported_here(acquired if acquired is not None else node, traits, rule).keep:
            self.result.context_hidden += 1
            # what the policy leaves out counts as fine here, as the rule counted it
            verified = self.result.verified.get(rule.code)
            if verified is not None and verified.correct < verified.checked:
                verified.correct += 1
                self.result.verified_lines.setdefault(rule.code, set()).add(
                    node.start_point[0] + 1)
            return
        sev = self.settings.severity.get(rule.code) or severity or (
            rule.test_severity if self.is_test and rule.test_severity else rule.severity)
        pos = src.position(node)
        rel = [Related(src.path, src.position(n), printable(m)) for n, m in related]
        fl = [[Related(src.path, src.position(n), printable(m)) for n, m in path]
              for path in flows]
        finding = Finding(
            path=src.path, position=pos, code=rule.code, name=rule.name, family=rule.family,
            severity=sev, message=printable(message), language=self.family, related=rel, flows=fl,
            line_text=src.line_text(pos.line - 1),
        )
        self.result.findings.append(finding)
        self.cache.setdefault("emitted", []).append((finding, node, rule, fix_anchors))

    def count(self, code: str, node, ok: bool) -> None:
        """Rule ``code`` examined ``node`` (where it reports when it leaks) and found it fine
        or not: the counts of the review checklist, and the lines verified fine that a
        fixture's ``ok: LLxxx`` marker asks for."""
        v = self.result.verified.setdefault(code, Verified())
        v.checked += 1
        v.correct += bool(ok)
        if ok:
            self.result.verified_lines.setdefault(code, set()).add(node.start_point[0] + 1)

    def diagnose(self, kind: str, message: str, detail: str | None = None) -> None:
        self.result.diagnostics.append(Diagnostic(self.src.path, kind, message, detail))

    def adapter(self):
        """The language's lifecycle adapter for this file (one per file, shared by rules)."""
        if "adapter" not in self.cache:
            target = ADAPTERS.get(self.family)
            if target is None:
                self.cache["adapter"] = None
            else:
                module, cls = target.split(":")
                self.cache["adapter"] = getattr(importlib.import_module(module), cls)(self)
        return self.cache["adapter"]


def analyze_file(path: str, settings: Settings, data: bytes | None = None,
                 reads: dict | None = None, trees=None) -> FileResult:
    """``reads``: what the file's analysis reads from other files, from the run's index
    (``runner.build_index``, ``runner.reads_of``); None: nothing is known of them, and
    the rules that read them treat what they would read as unknown (no finding).
    ``trees``: the index's ``facts.trees.Trees``; the file's tree is taken from there
    when the facts phase parsed the same text (else it is parsed here)."""
    held = trees.take(path) if trees is not None else None
    try:
        return _analyze(path, settings, data, reads, held)
    except RecursionError:  # a walk that is not depth-limited: a bug, but one file's
        return _failed(path, "code nests too deeply to analyse")
    except Exception as exc:  # the last guard: one file never stops the scan
        return _failed(path, f"analysis failed on this file: {type(exc).__name__}: {exc}")


def _failed(path: str, message: str) -> FileResult:
    result = FileResult(path, languages.language_of(path))
    result.diagnostics.append(Diagnostic(path, "internal-error", message, traceback.format_exc()))
    return result


def _analyze(path: str, settings: Settings, data: bytes | None, reads: dict | None,
             held=None) -> FileResult:
    lang = languages.language_of(path)
    family = languages.FAMILY.get(lang or "", "")
    result = FileResult(path, lang)

    def diag(kind, msg, detail=None):
        result.diagnostics.append(Diagnostic(path, kind, msg, detail))
        return result

    if lang is None:
        return diag("skipped", "not a supported source file")
    if data is None:
        data = read_source(path, settings)
        if isinstance(data, Diagnostic):
            result.diagnostics.append(data)
            return result
    if len(data) > settings.max_file_size:
        return diag("skipped", f"file is over the size limit of {settings.max_file_size} bytes")
    if is_binary(data):
        return diag("skipped", "binary content (NUL bytes)")
    rules = rules_for(settings, path, family)
    if not rules:
        return result
    try:
        data = lone_cr_to_lf(decode(data)[0])
    except UnicodeDecodeError as exc:
        return diag("unreadable", f"not valid UTF-8 (byte {exc.start}); re-save it as UTF-8")
    if suppress.file_ignored(data):
        return result
    # after decoding, so that a UTF-16 file is filtered on its text
    # a rule whose acquisition this file only reaches through a factory (a function of the
    # file or of another file that returns a fresh resource) is active too
    made = {c for codes in ((reads or {}).get("factories") or {}).values() for c in codes}
    # so is a rule that follows registration helpers, on a file that calls one of another file
    helped = bool(((reads or {}).get(js_startup.READ) or {}).get("helpers"))
    can = {id(r) for r in active_on(rules, data)}
    active = [r for r in rules if id(r) in can or r.code in made
              or helped and r.options.get(js_startup.HELPERS_OPTION)]
    if not active:
        return result
    if looks_minified(data):
        return diag("skipped", "looks minified or generated (very long lines); not analysed")
    hazard = languages.parse_hazard(lang, data)
    if hazard:
        return diag("skipped", hazard)
    deadline = Deadline(settings.timeout)
    try:
        tree, queries = held[1:] if held is not None and held[0] == data else (None, None)
        _parse_and_run(result, path, data, lang, family, active, settings, deadline, rules, reads,
                       tree, queries)
    except FileTimeout:
        result.findings.clear()  # what a cut-short run found would depend on timing
        result.verified.clear()
        result.verified_lines.clear()
        return diag("timeout", f"not analysed: over the time limit of {settings.timeout:g}s "
                               "(config key `timeout`)")
    return result


def _parse_and_run(result, path, data, lang, family, active, settings, deadline,
                   enabled_rules=(), reads=None, tree=None, queries=None) -> None:
    try:
        if tree is None:  # else the facts phase parsed this very text
            tree = recent_syntax.parse(lang, data,
                                       lambda text: deadline.parse(languages.parser(lang), text))
    except Exception as exc:  # the parser itself failing is rare but must not stop the scan
        result.diagnostics.append(Diagnostic(path, "internal-error", f"parser failed: {exc}",
                                             traceback.format_exc()))
        return
    result.parsed = True
    src = SourceFile(path, data, lang)
    if tree.root_node.has_error:
        result.diagnostics.append(Diagnostic(
            path, "syntax-error", f"syntax errors from line {_first_error_line(tree)}; "
                                  "analysed what parsed"))
    ctx = FileContext(src, tree, settings, result, family)
    ctx.deadline = deadline
    ctx.reads = reads or {}
    ctx.enabled = list(enabled_rules or active)
    # the facts phase's answers about this very tree are kept (``queries``)
    ctx.queries = languages.begin_file(lang, tree.root_node,
                                       query_askers(settings.rules, family), resume=queries)
    try:
        with deadline.interrupting():
            run_rules(ctx, active)
    finally:
        languages.end_file()
    options = {r.code: r.options for r in settings.rules} if result.findings else {}
    for f in result.findings:
        f.suppressed = suppress.is_suppressed(src, f) \
            or bool(suppress.peer_directive(src, f, options.get(f.code, {})))
    meta = [r for r in active if r.family == META_FAMILY]
    if meta:
        before = len(result.findings)
        with deadline.interrupting():
            run_rules(ctx, meta, meta=True)
        for f in result.findings[before:]:
            f.suppressed = suppress.is_suppressed(src, f, bare_on_own_line=False)
    if settings.fixes and result.findings:
        from .fixes import attach

        try:  # fixes have a budget of their own; past it the findings stay, without fixes
            with Deadline(settings.timeout).interrupting():
                _guarded(ctx, "fixes", attach, ctx)
        except FileTimeout:
            for f in result.findings:
                f.fix = None
            result.diagnostics.append(Diagnostic(
                path, "timeout", f"fixes not computed: over the time limit of "
                                 f"{settings.timeout:g}s (config key `timeout`)"))
    if settings.line_hashes and result.findings:
        from .report.fingerprint import line_hashes

        hashes = line_hashes(data.decode("utf-8", errors="replace"))
        for f in result.findings:
            if 0 < f.position.line <= len(hashes):
                f.fingerprint = hashes[f.position.line - 1]
    result.findings.sort(key=Finding.sort_key)


def run_rules(ctx: FileContext, rules, meta: bool = False) -> None:
    """Run ``rules`` on the file; the rules about suppression comments run only when
    ``meta`` (after the others' findings are marked suppressed)."""
    rules = [r for r in rules if (r.family == META_FAMILY) == meta]
    lifecycle = [r for r in rules if r.lifecycle is not None]
    if lifecycle:
        adapter = ctx.adapter()
        if adapter is not None:
            from .analysis.handles import check_lifecycles

            ctx.queries.asking = LIFECYCLE_ASKER
            _guarded(ctx, "lifecycle rules", check_lifecycles, ctx, adapter, lifecycle)
    for rule in rules:
        if rule.is_check:
            fn = check_for(rule.code)
            if fn is None:
                ctx.diagnose("internal-error", f"{rule.code}: no module in leaklint.checks "
                                               "implements this rule")
                continue
            ctx.queries.asking = rule.code
            _guarded(ctx, rule.code, fn, ctx, rule)


def _guarded(ctx, what, fn, *args) -> None:
    try:
        fn(*args)
    except RecursionError:
        ctx.diagnose("internal-error", f"{what}: code nests too deeply to analyse")
    except Exception as exc:
        ctx.diagnose("internal-error", f"{what} failed on this file: {type(exc).__name__}: {exc}",
                     traceback.format_exc())


def _first_error_line(tree) -> int:
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            return n.start_point[0] + 1
        if n.has_error:
            stack.extend(reversed(n.children))
    return 1


def context_at(path: str, settings: Settings, line: int | None = None):
    """(context, role or None, problem or None) of a file, for ``leaklint explain
    --context``: the file's context, and with ``line`` the role of the code on that line
    (a test, a shared fixture or helper, a ``__main__`` block)."""
    lang = languages.language_of(path)
    family = languages.FAMILY.get(lang or "", "")
    if not os.path.lexists(path):
        return None, None, "no such file"
    data = read_source(path, settings)
    if isinstance(data, Diagnostic):
        return None, None, data.message
    if lang is None:
        return None, None, "not a supported source file"
    text = data.decode("utf-8", "replace")
    context = contexts.classify(path, family, text[:contexts.HEAD_BYTES], settings.contexts)
    if line is None:
        return context, None, None
    try:
        data = lone_cr_to_lf(decode(data)[0])
    except UnicodeDecodeError as exc:
        return context, None, f"not valid UTF-8 (byte {exc.start})"
    tree = recent_syntax.parse(lang, data, languages.parser(lang).parse)
    rows = data.count(b"\n") + 1
    if not 1 <= line <= rows:
        return context, None, f"line {line} is outside the file (it has {rows} lines)"
    node = tree.root_node.descendant_for_point_range((line - 1, 0), (line - 1, 0))
    start = data.split(b"\n")[line - 1]
    col = len(start) - len(start.lstrip())
    node = tree.root_node.descendant_for_point_range((line - 1, col), (line - 1, col)) or node
    return context, contexts.role_of(node, family, path), None
