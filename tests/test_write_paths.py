"""No app writes another app's tables: a write goes through a service of the app that
owns the table (docs/architecture.md, "Write paths"). Checked on the source: raw SQL
that writes a table, and model-manager writes (``X.objects....update()``...)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
APPS = ("crm", "translation", "inbox", "routing", "bots", "kb", "reports")
WRITES = {"update", "create", "bulk_create", "bulk_update", "delete", "get_or_create"}
WRITES |= {"update_or_create"}
SQL_WRITE = re.compile(r'\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+"?([a-z]+)_[a-z_]+"?', re.I)


def _sources(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def _owner_of_model(name: str) -> str | None:
    """The app of ours with a model of that name (``Session`` is also Django's)."""
    owners = {m._meta.app_label for m in apps.get_models() if m.__name__ == name}
    ours = owners & set(APPS)
    return ours.pop() if len(ours) == 1 else None


def _manager_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, model name) of calls like ``Model.objects.filter(...).update(...)``."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES:
            continue
        receiver = node.func.value
        while isinstance(receiver, ast.Call | ast.Attribute):
            if isinstance(receiver, ast.Attribute) and receiver.attr == "objects":
                if isinstance(receiver.value, ast.Name):
                    found.append((node.lineno, receiver.value.id))
                break
            receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
    return found


def _foreign_writes(app: str) -> list[str]:
    problems = []
    for path in _sources(app):
        text = path.read_text()
        where = path.relative_to(ROOT)
        for match in SQL_WRITE.finditer(text):
            if match.group(1) in APPS and match.group(1) != app:
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{where}:{line} writes {match.group(0)!r} in SQL")
        for line, model in _manager_writes(ast.parse(text)):
            owner = _owner_of_model(model)
            if owner in APPS and owner != app:
                problems.append(f"{where}:{line} writes {model} ({owner}) through its manager")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_an_app_writes_only_its_own_tables(app):
    assert _foreign_writes(app) == []


def test_the_check_sees_a_write_into_another_apps_table(tmp_path, monkeypatch):
    module = tmp_path / "routing" / "sneaky.py"
    module.parent.mkdir()
    module.write_text(
        "def f(cursor, Session):\n"
        "    cursor.execute('UPDATE \"inbox_session\" SET status = 1')\n"
        "    Session.objects.filter(pk=1).update(priority=2)\n"
        "    Session.objects.create(dialog_id=1)\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)

    problems = _foreign_writes("routing")

    assert len(problems) == 3
    assert "inbox_session" in problems[0]
    assert "sneaky.py:3 writes Session (inbox)" in problems[1]
    assert "sneaky.py:4 writes Session (inbox)" in problems[2]


def _contact_message_writes(path: Path) -> list[int]:
    """Lines of ``Message.objects.create(..., sender_type=SenderType.CONTACT, ...)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES or "Message.objects" not in ast.unparse(node.func):
            continue
        for keyword in node.keywords:
            if keyword.arg == "sender_type" and ast.unparse(keyword.value).endswith("CONTACT"):
                found.append(node.lineno)
    return found


def test_a_contacts_message_is_written_by_the_one_store_only():
    writers = {
        str(path.relative_to(ROOT))
        for app in APPS
        for path in _sources(app)
        if _contact_message_writes(path)
    }
    assert writers == {"inbox/services/batching.py"}
