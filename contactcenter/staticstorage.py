"""Static files in production: WhiteNoise's compressed, hashed storage, with the hashed
names written into ES modules' imports too (the inbox and the board are modules that
import each other, ``import { h } from './state.js'``), so that a deploy never mixes an
old module with a new one from the browser's cache."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
