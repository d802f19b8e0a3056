"""`leaklint server`: a real client session over stdio with the server as a subprocess
(JSON-RPC with Content-Length framing): initialize, didOpen, publishDiagnostics,
codeAction, didChange, didSave, shutdown and exit."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaklint.cli import main

pytest.importorskip("pygls", reason="the language server needs the lsp extra")

SRC = Path(__file__).resolve().parents[1] / "src"
LEAKY = ('package store\n\nimport "database/sql"\n\nfunc count(db *sql.DB) (int, error) {\n'
         '\trows, err := db.Query("SELECT n FROM t")\n\tif err != nil {\n\t\treturn 0, err\n\t}\n'
         '\tn := 0\n\tfor rows.Next() {\n\t\tif n > 9 {\n\t\t\treturn n, nil\n\t\t}\n\t\tn++\n\t}\n'
         '\treturn n, rows.Err()\n}\n')
TIMEOUT = 60


class Client:
    """A minimal LSP client: frames messages, and reads the server's in a thread."""

    def __init__(self, cwd: Path):
        env = dict(os.environ, PYTHONPATH=str(SRC))
        self.proc = subprocess.Popen([sys.executable, "-m", "leaklint", "server"], cwd=cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in reply, reply
        return reply["result"]

    def wait(self, accept) -> dict:
        """The next message ``accept`` takes; server requests (e.g. registering
        capabilities) are answered with null, other messages are dropped."""
        while True:
            message = self.inbox.get(timeout=TIMEOUT)
            assert message is not None, "server closed its output: " + self.stderr()
            if accept(message):
                return message
            if "method" in message and "id" in message:
                self.send({"id": message["id"], "result": None})

    def diagnostics(self, uri: str) -> dict:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri)["params"]

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode("utf-8", "replace")


def apply_edits(text: str, edits: list) -> str:
    """Apply LSP TextEdits (UTF-16 positions; ASCII text here) from last to first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(pos):
        return offsets[pos["line"]] + pos["character"]

    for e in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[:offset(e["range"]["start"])] + e["newText"] + text[offset(e["range"]["end"]):]
    return text


@pytest.fixture
def client(tmp_path):
    c = Client(tmp_path)
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
    c.proc.wait(timeout=TIMEOUT)


def test_session(client, tmp_path):
    path = tmp_path / "store.go"
    path.write_text("package store\n")  # on disk: clean; in the editor: the buffer below
    uri = path.as_uri()
    init = client.request("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(),
                                         "capabilities": {}})
    caps = init["capabilities"]
    assert init["serverInfo"]["name"] == "leaklint"
    assert caps["codeActionProvider"]["codeActionKinds"] == ["quickfix"]
    assert caps["textDocumentSync"]["openClose"] is True
    client.notify("initialized", {})

    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "go", "version": 1, "text": LEAKY}})
    published = client.diagnostics(uri)
    assert published["version"] == 1
    [diag] = published["diagnostics"]
    assert diag["code"] == "LL101" and diag["source"] == "leaklint"
    assert diag["severity"] == 2  # warning
    assert diag["range"] == {"start": {"line": 5, "character": 14},
                             "end": {"line": 5, "character": 41}}
    assert diag["message"].startswith("rows from db.Query is not closed")
    assert diag["codeDescription"]["href"].endswith("/docs/rules/LL101.md")
    assert diag["relatedInformation"][0]["location"]["uri"] == uri

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diag["range"],
        "context": {"diagnostics": [diag]}})
    [action] = actions
    assert action["kind"] == "quickfix" and "LL101" in action["title"]
    fixed = apply_edits(LEAKY, action["edit"]["changes"][uri])
    assert "\tdefer rows.Close()\n" in fixed and fixed != LEAKY
    # a range away from the finding offers nothing
    assert client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 3}},
        "context": {"diagnostics": []}}) == []

    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    published = client.diagnostics(uri)
    assert published == {"uri": uri, "version": 2, "diagnostics": []}

    # the leak comes back in an edit of the buffer (an incremental change), and on save
    line = fixed.splitlines().index("\tdefer rows.Close()")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                             "contentChanges": [{"range": {
                                                 "start": {"line": line, "character": 0},
                                                 "end": {"line": line + 1, "character": 0}},
                                                 "text": ""}]})
    assert [d["code"] for d in client.diagnostics(uri)["diagnostics"]] == ["LL101"]
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert [d["code"] for d in client.diagnostics(uri)["diagnostics"]] == ["LL101"]

    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.proc.wait(timeout=TIMEOUT) == 0


def test_config_of_the_documents_directory_applies(client, tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "leaklint.toml").write_text('ignore = ["LL101"]\n')
    client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    quiet, loud = (tmp_path / "svc" / "a.go").as_uri(), (tmp_path / "b.go").as_uri()
    for uri in (quiet, loud):
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "go", "version": 1, "text": LEAKY}})
    assert client.diagnostics(quiet)["diagnostics"] == []
    assert [d["code"] for d in client.diagnostics(loud)["diagnostics"]] == ["LL101"]
    # closing a document clears its diagnostics
    client.notify("textDocument/didClose", {"textDocument": {"uri": loud}})
    assert client.diagnostics(loud)["diagnostics"] == []
    # a bad config is shown to the user, not a crash; the server goes on
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "leaklint.toml").write_text('colour = "always"\n')
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": (tmp_path / "bad" / "c.go").as_uri(), "languageId": "go", "version": 1,
        "text": LEAKY}})
    shown = client.wait(lambda m: m.get("method") == "window/showMessage")["params"]
    assert shown["type"] == 1 and "colour" in shown["message"] and "leaklint.toml" in shown["message"]
    client.request("shutdown", None)
    client.notify("exit", None)
    assert client.proc.wait(timeout=TIMEOUT) == 0


def test_without_pygls_the_server_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pygls", None)
    monkeypatch.delitem(sys.modules, "leaklint.lsp", raising=False)
    result = CliRunner().invoke(main, ["server"])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("leaklint: error: the language server needs pygls: "
                                     "pip install 'leaklint-code[lsp]'")


def test_stale_suppression_has_a_quick_fix(client, tmp_path):
    fixed = LEAKY.replace("\tn := 0\n", "\tdefer rows.Close()\n\tn := 0\n")
    stale = fixed.replace('"SELECT n FROM t")', '"SELECT n FROM t") // leaklint: ignore[LL101]')
    uri = (tmp_path / "stale.go").as_uri()
    client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "go", "version": 1, "text": stale}})
    [diag] = client.diagnostics(uri)["diagnostics"]
    assert diag["code"] == "LL002" and diag["severity"] == 3  # information: a note
    [action] = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}})
    assert apply_edits(stale, action["edit"]["changes"][uri]) == fixed
    client.request("shutdown", None)
    client.notify("exit", None)
    assert client.proc.wait(timeout=TIMEOUT) == 0


def test_ranges_are_in_the_clients_encoding():
    """leaklint counts code points; an LSP client counts UTF-16 units unless it says otherwise."""
    from pygls.workspace import TextDocument
    from pygls.workspace.position_codec import PositionCodec

    from leaklint.api import check_source
    from leaklint.config import Config
    from leaklint.lsp import to_range

    text = LEAKY.replace('\trows, err := db.Query("SELECT n FROM t")',
                         '\tlabel := "\U0001F600"; rows, err := db.Query("SELECT n FROM t")')
    [finding] = check_source("x.go", text.encode(), config=Config()).findings
    line = text.splitlines()[finding.position.line - 1]
    start = line.index("db.Query")  # code points; the emoji before it is two UTF-16 units
    utf16 = TextDocument("file:///x.go", text)
    assert to_range(utf16, finding.position).start.character == start + 1
    utf32 = TextDocument("file:///x.go", text, position_codec=PositionCodec(encoding="utf-32"))
    assert to_range(utf32, finding.position).start.character == start
