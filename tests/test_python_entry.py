"""Python functions that run once per process, traced from the program's entry
(facts/python_entry.py): what they hold is released by the exit, so the context policy
treats their code as the program's main."""

from __future__ import annotations

import textwrap

from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.facts.python_entry_points import entry_specs

SESSION = """
import requests


def {name}(url):
    session = requests.Session()
    return session.get(url).text
"""


def _write(root, files: dict) -> None:
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(body))


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _lines(root) -> set:
    report = check_paths([str(root)], config=Config(root=root), select=["LL110"])
    return {(f.path.replace(str(root) + "/", ""), f.position.line) for f in report.findings}


def test_console_scripts_of_each_declaration_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project.scripts]\ntool = "pkg.cli:main"\n[tool.poetry.scripts]\nold = "pkg.old:run"\n')
    (tmp_path / "setup.cfg").write_text(
        "[options.entry_points]\nconsole_scripts =\n    other = pkg.other:start\n")
    (tmp_path / "setup.py").write_text(
        "setup(entry_points={'console_scripts': ['third = pkg.third:go']})\n")

    assert sorted(entry_specs(_read, str(tmp_path))) == [
        "pkg.cli:main", "pkg.old:run", "pkg.other:start", "pkg.third:go"]


def test_broken_declarations_give_no_entry_and_no_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project.scripts\ntool = ")
    (tmp_path / "setup.cfg").write_text("console_scripts = [\n")
    assert entry_specs(_read, str(tmp_path)) == []
    _write(tmp_path, {"pkg/__init__.py": "", "pkg/cli.py": SESSION.format(name="fetch")})
    assert _lines(tmp_path) == {("pkg/cli.py", 6)}


def test_the_entry_and_what_it_calls_once_hold_nothing_past_the_exit(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project.scripts]\ntool = "pkg.cli:main"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": """
            from .work import fetch

            def main():
                return fetch("http://example.org")
        """,
        "pkg/work.py": SESSION.format(name="fetch"),
    })
    assert _lines(tmp_path) == set()


def test_a_call_in_a_loop_runs_the_callee_many_times(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project.scripts]\ntool = "pkg.cli:main"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": """
            from .work import fetch

            def main(urls):
                for url in urls:
                    fetch(url)
        """,
        "pkg/work.py": SESSION.format(name="fetch"),
    })
    assert _lines(tmp_path) == {("pkg/work.py", 6)}


def test_another_caller_outside_the_entry_makes_it_not_once(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project.scripts]\ntool = "pkg.cli:main"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": """
            from .work import fetch

            def main():
                return fetch("http://example.org")
        """,
        "pkg/server.py": """
            from .work import fetch

            def handle(request):
                return fetch(request.url)
        """,
        "pkg/work.py": SESSION.format(name="fetch"),
        # tests re-run the entry on purpose: they do not count as other callers
        "tests/test_cli.py": """
            from pkg.work import fetch

            def test_fetch():
                for _ in range(3):
                    fetch("http://example.org")
        """,
    })
    assert ("pkg/work.py", 6) in _lines(tmp_path)


def test_a_caller_through_a_dotted_module_name_counts(tmp_path):
    # `import pkg.disks.usage` binds `pkg`: `pkg.disks.usage.fetch(url)` calls fetch, once
    # per url here, so the module's own demonstration block does not make it once
    _write(tmp_path, {
        "pkg/__init__.py": """
            import pkg.disks.usage

            def report(urls):
                for url in urls:
                    print(pkg.disks.usage.fetch(url))
        """,
        "pkg/disks/__init__.py": "",
        "pkg/disks/usage.py": SESSION.format(name="fetch") + """
if __name__ == "__main__":
    print(fetch("http://example.org"))
""",
    })
    assert _lines(tmp_path) == {("pkg/disks/usage.py", 6)}


def test_an_entry_runs_what_it_calls_through_a_dotted_module_name_once(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project.scripts]\ntool = "pkg.cli:main"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": """
            import pkg.work

            def main():
                return pkg.work.fetch("http://example.org")
        """,
        "pkg/work.py": SESSION.format(name="fetch"),
    })
    assert _lines(tmp_path) == set()


def test_a_function_handed_on_runs_as_often_as_the_receiver_calls_it(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project.scripts]\ntool = "pkg.cli:main"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": """
            from .work import fetch, poll

            def once(program):
                return program("http://example.org")

            def repeat(program):
                while True:
                    program("http://example.org")

            def main():
                once(program=fetch)
                repeat(poll)
        """,
        "pkg/work.py": SESSION.format(name="fetch") + SESSION.format(name="poll"),
    })
    assert _lines(tmp_path) == {("pkg/work.py", 13)}  # poll, called in a loop


FORKED = """
    import os
    from .work import fetch

    def start():
        return main()

    def main():
        return fetch("http://example.org")

    def background():
        os.fork()
        main()
        {end}

    def handler():
        background()
"""


def test_a_caller_that_ends_the_process_runs_the_callee_once(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project.scripts]\ntool = "pkg.cli:start"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": FORKED.format(end="os._exit(0)"),
        "pkg/work.py": SESSION.format(name="fetch"),
    })
    assert _lines(tmp_path) == set()


def test_a_caller_that_goes_on_may_run_the_callee_again(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project.scripts]\ntool = "pkg.cli:start"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": FORKED.format(end="return None"),
        "pkg/work.py": SESSION.format(name="fetch"),
    })
    assert _lines(tmp_path) == {("pkg/work.py", 6)}


LAYER = """
import os
import subprocess
{imports}

class Layer{bases}:
    def setUp(self):
        self.server = subprocess.Popen(["server"])

    def tearDown(self):
        os.kill(self.server.pid, 9)
"""

DRIVER = """
from .layer import Layer

def main():
    layer = Layer()
    layer.setUp()
    layer.tearDown()

main()
"""


def test_a_test_driver_is_a_program_whose_layer_starts_once(tmp_path):
    _write(tmp_path, {"tests/__init__.py": "", "tests/robot/__init__.py": "",
                      "tests/robot/layer.py": LAYER.format(imports="", bases=""),
                      "tests/robot/__main__.py": DRIVER})
    assert _lines(tmp_path) == set()


def test_a_test_drivers_layer_other_tests_start_in_a_loop_is_reported(tmp_path):
    _write(tmp_path, {"tests/__init__.py": "", "tests/robot/__init__.py": "",
                      "tests/robot/layer.py": LAYER.format(imports="", bases=""),
                      "tests/robot/__main__.py": DRIVER,
                      "tests/robot/again.py": """
                          from .layer import Layer

                          def run_all(names):
                              for name in names:
                                  Layer().setUp()
                      """})
    assert _lines(tmp_path) == {("tests/robot/layer.py", 8)}


def test_a_test_case_setup_reached_from_a_driver_is_run_by_the_runner_too(tmp_path):
    _write(tmp_path, {"tests/__init__.py": "", "tests/robot/__init__.py": "",
                      "tests/robot/layer.py": LAYER.format(imports="\n\nclass Case:\n    pass\n",
                                                           bases="(Case)"),
                      "tests/robot/__main__.py": DRIVER})
    assert _lines(tmp_path) == {("tests/robot/layer.py", 12)}


def test_a_django_management_command_runs_once_per_process(tmp_path):
    command = """
        from django.core.management.base import BaseCommand

        from ...work import fetch


        class Command(BaseCommand):
            def handle(self, *args, **options):
                return fetch(options["url"])
    """
    _write(tmp_path, {
        "app/__init__.py": "",
        "app/work.py": SESSION.format(name="fetch"),
        "app/management/__init__.py": "",
        "app/management/commands/__init__.py": "",
        "app/management/commands/fetch.py": command,
        # the same class outside management/commands/ is no command manage.py runs
        "app/views.py": command.replace("from ...work", "from .work"),
    })
    assert _lines(tmp_path) == {("app/work.py", 6)}
    (tmp_path / "app/views.py").unlink()
    assert _lines(tmp_path) == set()
