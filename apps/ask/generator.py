"""Optional answer generation through an OpenAI-compatible chat endpoint.

Disabled unless ASK_GENERATOR_URL is set (environment), so by default no document text
leaves the machine: retrieval alone answers with passages and citations. When set, the
cited passages (only those) and the question are posted to `<url>/chat/completions`;
any failure leaves the cited passages as the answer (logged, never an error page).
"""

from __future__ import annotations

import logging

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

_INSTRUCTIONS = ("Answer the question only from the numbered passages. Cite passages as "
                 "[n]. If they do not hold the answer, say so.")


def generate_answer(answer) -> str:
    url = getattr(settings, "ASK_GENERATOR_URL", "")
    if not url or not answer.citations:
        return ""
    passages = "\n\n".join(f"[{n}] {c.file_name}, page {c.page}:\n{c.passage}"
                           for n, c in enumerate(answer.citations, start=1))
    headers = {}
    if getattr(settings, "ASK_GENERATOR_API_KEY", ""):
        headers["Authorization"] = f"Bearer {settings.ASK_GENERATOR_API_KEY}"
    try:
        response = httpx.post(
            url.rstrip("/") + "/chat/completions", headers=headers,
            timeout=getattr(settings, "ASK_GENERATOR_TIMEOUT", 20.0),
            json={"model": getattr(settings, "ASK_GENERATOR_MODEL", ""), "temperature": 0,
                  "messages": [{"role": "system", "content": _INSTRUCTIONS},
                               {"role": "user", "content": f"{passages}\n\nQuestion: "
                                                           f"{answer.question}"}]})
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"]).strip()
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
        logger.warning("ask generator unavailable: %s", exc)
        return ""
