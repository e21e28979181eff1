"""Production static files: the inbox and the board are ES modules that import each
other by relative name; collectstatic with the hashed storage must rewrite those imports
to the hashed names (and cannot when the modules import each other in a cycle)."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

STORAGE = "contactcenter.staticstorage.ModuleManifestStaticFilesStorage"
IMPORT = re.compile(r"""^(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']""", re.M | re.S)


def test_collectstatic_writes_hashed_names_into_the_modules_imports(tmp_path: Path) -> None:
    with override_settings(
        STATIC_ROOT=str(tmp_path),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": STORAGE},
        },
    ):
        call_command("collectstatic", interactive=False, verbosity=0)

    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for entry in ("inbox/inbox.js", "routing/board.js"):
        seen: set[str] = set()
        todo = [paths[entry]]
        while todo:  # every module the page loads, through its imports
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            source = (tmp_path / name).read_text()
            for target in IMPORT.findall(source):
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                assert resolved in paths.values(), f"{name} imports {target}, not a hashed name"
                todo.append(resolved)
        assert len(seen) > 5
        assert any("contactcenter/common/dom." in name for name in seen)
