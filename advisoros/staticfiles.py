"""Static files storage: hashed, compressed names from one manifest, however it is run.

`collectstatic` always writes the manifest (it used to write one only when DEBUG was off,
so a collect run in development left production pages without one). In DEBUG, Django
links the plain names and needs no manifest. A file missing from the manifest (a static
file added after the last collect) is linked by its plain name with a warning, instead of
failing the whole page with "Missing staticfiles manifest entry".
"""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            logger.warning("static file %r is not in the manifest; run collectstatic", name)
            return name
