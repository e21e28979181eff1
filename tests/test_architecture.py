"""The code's shape, checked: no import cycle inside or between the apps, and no file
or function too long to read at once (docs/architecture.md, "Where code goes")."""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("contactcenter", "crm", "translation", "inbox", "routing", "bots", "kb", "reports")
MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 60

# Exceptions to the limits: none today, and none may be added (the lists stay so that a
# test still says that an entry became short enough).
FILES_ALLOWED_LONGER: set[str] = set()
FUNCTIONS_ALLOWED_LONGER: set[str] = set()
# The widget is one embeddable file by design.
JS_SKIPPED = ("inbox/static/widget/widget.js",)


# --- import cycles ----------------------------------------------------------------------


def _import_graph() -> dict[str, set[str]]:
    """Every module of the apps and the modules of the apps it imports, including
    imports inside functions (migrations left out: Django loads them by name)."""
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    modules = {m for m in graph.modules if ".migrations" not in m}
    return {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_apps_is_part_of_an_import_cycle():
    # the graph is of the code under test, not of another checkout on the path
    assert importlib.util.find_spec("crm").origin == str(ROOT / "crm" / "__init__.py")  # type: ignore[union-attr]
    assert _cycles(_import_graph()) == []


# --- sizes ------------------------------------------------------------------------------


def _product_files(*suffixes: str) -> Iterator[tuple[str, Path]]:
    for package in (*PACKAGES, "templates"):
        for path in sorted((ROOT / package).rglob("*")):
            name = path.relative_to(ROOT).as_posix()
            if path.suffix in suffixes and "/migrations/" not in name:
                if path.suffix == ".js" and name.startswith(JS_SKIPPED):
                    continue
                yield name, path


def _python_functions(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.end_lineno - node.lineno + 1  # type: ignore[operator]


_JS_KEYWORDS = {"if", "for", "while", "switch", "catch", "with", "else", "do", "return"}
_JS_METHOD = re.compile(r"^(?:async\s+|static\s+|get\s+|set\s+)*([\w$]+)\s*\(.*\)$", re.S)
_JS_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}


def _js_function_start(prefix: str) -> str | None:
    """The name of the function whose body a ``{`` opens after ``prefix`` (the code
    since the last ``;``, ``{`` or ``}``), or None when it opens something else. A
    whole-file wrapper, ``(function () {...})()``, is the module's scope, not a function
    one reads at once."""
    prefix = " ".join(prefix.split())
    if prefix.endswith("=>"):
        named = re.search(r"([\w$]+)\s*[=:]\s*(?:async\s*)?(?:\([^()]*\)|[\w$]+)\s*=>$", prefix)
        return named.group(1) if named else "(arrow)"
    if re.search(r"\bfunction\b", prefix) and prefix.endswith(")"):
        if re.match(r"^\(\s*(?:async\s+)?function\s*\(\s*\)$", prefix):
            return None
        named = re.search(r"\bfunction\s*\*?\s*([\w$]+)", prefix)
        return named.group(1) if named else "(anonymous)"
    method = _JS_METHOD.match(prefix)
    if method and method.group(1) not in _JS_KEYWORDS:
        return method.group(1)
    return None


def _js_functions(source: str) -> Iterator[tuple[str, int]]:
    """Functions of a script and their lengths in lines: braces matched outside
    strings, template literals, comments and regular expressions (enough for our own
    scripts, not a JavaScript parser)."""
    line, i, prefix, last = 1, 0, "", ""
    opened: list[tuple[str | None, int]] = []
    while i < len(source):
        ch, pair = source[i], source[i : i + 2]
        if pair in ("//", "/*"):
            end = source.find("\n" if pair == "//" else "*/", i + 2)
            end = len(source) if end < 0 else end
            line += source.count("\n", i, end)
            i = end if pair == "//" else end + 2
            continue
        if ch in "'\"`" or (ch == "/" and last in _JS_REGEX_AFTER):
            j = i + 1
            in_class = False
            while j < len(source) and (source[j] != ch or in_class):
                if source[j] == "\\":
                    j += 1
                elif ch == "/" and source[j] in "[]":
                    in_class = source[j] == "["
                elif ch == "/" and source[j] == "\n":
                    break  # a division after all
                j += 1
            line += source.count("\n", i, j)
            prefix += "''"
            last, i = "'", j + 1
            continue
        if ch == "\n":
            line += 1
        if ch == "{":
            opened.append((_js_function_start(prefix), line))
            prefix = ""
        elif ch == "}":
            if opened:
                name, start = opened.pop()
                if name is not None:
                    yield name, line - start + 1
            prefix = ""
        elif ch == ";":
            prefix = ""
        else:
            prefix += ch
        if not ch.isspace():
            last = ch
        i += 1


def test_the_js_function_finder_measures_functions():
    source = "function a(x) {\n  if (x) {\n    return '}';\n  }\n}\nconst b = () => {\n};\n"
    assert list(_js_functions(source)) == [("a", 5), ("b", 2)]
    wrapped = "(function () {\n" + "\n" * 70 + "})();\n"
    assert list(_js_functions(wrapped)) == []


def test_no_product_file_is_longer_than_the_limit():
    too_long = {
        name
        for name, path in _product_files(".py", ".js", ".html", ".css")
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_FILE_LINES
    }
    assert too_long - FILES_ALLOWED_LONGER == set()
    assert FILES_ALLOWED_LONGER - too_long == set(), "short enough now: drop from the list"


def test_no_product_function_is_longer_than_the_limit():
    too_long = set()
    for name, path in _product_files(".py", ".js"):
        source = path.read_text(encoding="utf-8")
        functions = _python_functions(path) if path.suffix == ".py" else _js_functions(source)
        too_long |= {f"{name}:{fn}" for fn, length in functions if length > MAX_FUNCTION_LINES}
    assert too_long - FUNCTIONS_ALLOWED_LONGER == set()
    assert FUNCTIONS_ALLOWED_LONGER - too_long == set(), "short enough now: drop from the list"
