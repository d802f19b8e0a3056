"""``leaklint server``: a Language Server over standard input and output.

Each open document is analysed as the file it names (its config is found from its
directory) whenever it is opened, changed or saved; findings are published as
diagnostics, and the safe fixes are offered as quick-fix code actions. Needs pygls (the
``lsp`` extra); importing this module without it raises ImportError.
"""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .model import Position

SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "note": types.DiagnosticSeverity.Information}
# untitled buffers have no file name: their language id gives the extension to read them as
EXTENSION_OF_LANGUAGE_ID = {"go": ".go", "typescript": ".ts", "typescriptreact": ".tsx",
                            "javascript": ".js", "javascriptreact": ".jsx", "python": ".py"}


class LeaklintServer(LanguageServer):
    def __init__(self):
        super().__init__("leaklint", __version__)
        # uri -> (document version, findings of that version), for code actions
        self.findings: dict[str, tuple[int | None, list]] = {}


def document_path(uri: str, language_id: str | None) -> str:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if path:
        return path
    return "untitled" + EXTENSION_OF_LANGUAGE_ID.get(language_id or "", "")


def to_range(doc, p: Position) -> types.Range:
    """A leaklint span (1-based, code point columns) in the client's position encoding."""
    server_range = types.Range(types.Position(p.line - 1, p.col - 1),
                               types.Position(p.end_line - 1, p.end_col - 1))
    return doc.range_to_client_units(server_range)


def to_diagnostic(doc, finding) -> types.Diagnostic:
    from .catalogue import find_rule
    from .report.rule_docs import page_url

    rule = find_rule(finding.code)
    url = page_url(rule) if rule is not None else None
    related = [types.DiagnosticRelatedInformation(
        types.Location(doc.uri, to_range(doc, r.position)), r.message) for r in finding.related]
    return types.Diagnostic(
        range=to_range(doc, finding.position), message=finding.message,
        severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code, source="leaklint",
        code_description=types.CodeDescription(href=url) if url else None,
        related_information=related or None, data={"name": finding.name})


def analyse(server: LeaklintServer, uri: str) -> None:
    """Analyse the document as it is now and publish its diagnostics."""
    from .api import check_source
    from .config import ConfigError, load_config

    doc = server.workspace.get_text_document(uri)
    path = document_path(uri, doc.language_id)
    try:
        config = load_config(start=Path(os.path.abspath(path)).parent)
        report = check_source(path, doc.source.encode("utf-8", "surrogatepass"), config=config,
                              fixes=True)
    except (ConfigError, ValueError) as exc:
        server.window_show_message(types.ShowMessageParams(types.MessageType.Error,
                                                           f"leaklint: {exc}"))
        return
    for d in report.diagnostics:
        if d.kind in ("internal-error", "timeout", "unreadable"):
            server.window_log_message(types.LogMessageParams(
                types.MessageType.Warning, f"leaklint: {d.path}: {d.kind}: {d.message}"))
    server.findings[uri] = (doc.version, list(report.findings))
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        uri=uri, version=doc.version, diagnostics=[to_diagnostic(doc, f) for f in report.findings]))


def code_actions(server: LeaklintServer, params: types.CodeActionParams) -> list:
    """Quick fixes for the safe fixes of the findings in the requested range."""
    uri = params.text_document.uri
    version, findings = server.findings.get(uri, (None, []))
    doc = server.workspace.get_text_document(uri)
    if version != doc.version:
        return []  # the findings are of an older text: their edits would land wrong
    wanted = params.range
    actions = []
    for f in findings:
        if f.fix is None or not f.fix.safe or not f.fix.edits:
            continue
        diag = to_diagnostic(doc, f)
        if _before(wanted.end, diag.range.start) or _before(diag.range.end, wanted.start):
            continue
        edits = [types.TextEdit(to_range(doc, e.region), e.text) for e in f.fix.edits]
        actions.append(types.CodeAction(
            title=f"{f.fix.description} ({f.code})", kind=types.CodeActionKind.QuickFix,
            diagnostics=[diag], is_preferred=True,
            edit=types.WorkspaceEdit(changes={uri: edits})))
    return actions


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def make_server() -> LeaklintServer:
    server = LeaklintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LeaklintServer, params: types.DidOpenTextDocumentParams):
        analyse(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LeaklintServer, params: types.DidChangeTextDocumentParams):
        analyse(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LeaklintServer, params: types.DidSaveTextDocumentParams):
        analyse(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LeaklintServer, params: types.DidCloseTextDocumentParams):
        ls.findings.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: LeaklintServer, params: types.CodeActionParams):
        return code_actions(ls, params)

    return server


def serve() -> None:
    make_server().start_io()
