"""Paragraph text out of a selectolax (lexbor) subtree.

A paragraph is the text of a block element (``p``, ``div``, ``li``, ``blockquote`` …) that
holds text directly; inline markup is flattened, ``<br>`` becomes a newline, scripts and
styles are dropped. The walk is iterative, so deeply nested markup cannot overflow the stack.
"""

from __future__ import annotations

from collections.abc import Iterator

from selectolax.lexbor import LexborNode

BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "head",
        "title",
        "iframe",
        "object",
        "svg",
        "math",
        "select",
        "button",
        "-comment",
        "-doctype",
    }
)


def element_children(node: LexborNode) -> Iterator[LexborNode]:
    """The element children of ``node`` (no text or comment nodes)."""
    for child in node.iter(include_text=False):
        if child.is_element_node:
            yield child


def inline_text(node: LexborNode) -> str:
    """All text of ``node`` on one line, whitespace collapsed."""
    return " ".join((node.text(deep=True, separator=" ") or "").split())


def block_paragraphs(node: LexborNode) -> list[str]:
    """The paragraphs of text inside ``node`` in document order (empty ones dropped)."""
    out: list[str] = []
    buf: list[str] = []
    # None on the stack marks the end of a block element: its text is flushed there.
    stack: list[Iterator[LexborNode] | None] = [iter(node.iter(include_text=True))]
    while stack:
        top = stack[-1]
        if top is None:
            stack.pop()
            _flush(buf, out)
            continue
        child = next(top, None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag == "-text":
            buf.append(child.text_content or "")
        elif tag == "br":
            buf.append("\n")
        elif tag in SKIP_TAGS or not child.is_element_node or _is_landmark(child):
            continue
        elif tag in BLOCK_TAGS:
            _flush(buf, out)
            stack.append(None)
            stack.append(iter(child.iter(include_text=True)))
        else:
            stack.append(iter(child.iter(include_text=True)))
    _flush(buf, out)
    return out


def _is_landmark(node: LexborNode) -> bool:
    """AO3's hidden headings ("Chapter Text", "Work Header") are not story text."""
    classes = (node.attributes.get("class") or "").split()
    return "landmark" in classes or "toc-heading" in classes


def _flush(buf: list[str], out: list[str]) -> None:
    if not buf:
        return
    raw = "".join(buf)
    buf.clear()
    lines = (" ".join(line.split()) for line in raw.split("\n"))
    text = "\n".join(line for line in lines if line)
    if text:
        out.append(text)
