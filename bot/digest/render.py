"""One entry point for the file renderings of a digest: md, html, json."""

from __future__ import annotations

from bot.digest.model import Digest
from bot.digest.render_html import render_html
from bot.digest.render_md import render_markdown

FORMATS = ("md", "json", "html")


def render(digest: Digest, fmt: str) -> str:
    """The digest in one of the file formats: md, html or json."""
    if fmt == "md":
        return render_markdown(digest)
    if fmt == "html":
        return render_html(digest)
    if fmt == "json":
        return digest.model_dump_json(indent=2) + "\n"
    raise ValueError(f"unknown digest format {fmt!r} (md, html or json)")
