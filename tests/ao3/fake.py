"""A fake AO3: an aiohttp server on 127.0.0.1 inside the test process.

It serves live-format work pages (public fixtures from AO3 client projects, see
pages/SOURCES.md, plus small pages of our own for the rest) and models the adult gate,
the login wall of restricted works, a hidden work, 404, 429 with Retry-After, 525, a
Cloudflare challenge, a slow response, chapter and series URLs. Every request is logged
with the real (perf_counter) time it arrived, for measuring the limiter's spacing.
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

PAGES = Path(__file__).parent / "pages"

SINGLE = 323217  # Not Rated one-shot, part of a series (fixture)
TEEN = 923647  # Teen And Up one-shot, declares death (fixture)
ADULT = 17793689  # Mature, two chapters posted of 14/?, behind the adult gate (fixture)
ADULT_CHAPTER = 42035519  # its chapter 2
RESTRICTED = 15461226  # logged-in users only: redirects to the login page (fixture)
DELETED = 41237499  # 404 (fixture)
SERIES = 2946579  # a series of two works (fixture)
HIDDEN = 7000001  # hidden in an unrevealed challenge collection (own page)
RATE_LIMITED = 4290001  # 429 with Retry-After: 120
DOWN = 5250001  # always 525
FLAKY = 5250002  # 525 twice, then the page
CHALLENGE = 4030001  # Cloudflare's "Just a moment..." check
SLOW = 9990001  # answers after SLOW_SECONDS
SLOW_SECONDS = 0.4
GENERATED = range(8000001, 8000011)  # ten small works of our own
HUGE = 8000099  # a work larger than the upload limit
SEXUAL = 8000050  # Teen, tagged Sexual Content (own page)
CROWDED = 8000060  # 400 tags and a 6,000-character summary (own page)


@dataclass(frozen=True, slots=True)
class Hit:
    at: float  # time.perf_counter() when the request arrived
    path: str  # path and query
    user_agent: str


@dataclass
class FakeAo3:
    base: str = ""
    log: list[Hit] = field(default_factory=list)
    flaky_left: int = 2

    def hits(self, fragment: str) -> list[Hit]:
        return [h for h in self.log if h.path.startswith(fragment)]


def work_page(
    ident: int,
    title: str,
    *,
    rating: str = "General Audiences",
    warnings: tuple[str, ...] = ("No Archive Warnings Apply",),
    tags: tuple[str, ...] = (),
    summary: str = "A small story for the tests.",
    paragraphs: int = 12,
    filler: str = "",
) -> str:
    """A minimal page in AO3's live markup (our own text)."""

    def dd(cls: str, items: tuple[str, ...]) -> str:
        lis = "".join(f'<li><a class="tag" href="/tags/x">{html.escape(i)}</a></li>' for i in items)
        return f'<dt class="{cls} tags">{cls}:</dt><dd class="{cls} tags"><ul>{lis}</ul></dd>'

    body = "".join(
        f"<p>Paragraph {n} of {html.escape(title)}: the lighthouse lamp turned over the bay "
        f"while the ferry crossed, and the keeper wrote the hour in the log. {filler}</p>"
        for n in range(1, paragraphs + 1)
    )
    return f"""<!DOCTYPE html><html><head><title>{html.escape(title)} [Archive of Our Own]</title>
</head><body><div id="main" class="works-show region">
<div class="wrapper"><dl class="work meta group">
{dd("rating", (rating,))}{dd("warning", warnings)}{dd("fandom", ("Original Work",))}
{dd("character", ("Mira", "Tomas"))}{dd("freeform", tags)}
<dt class="language">Language:</dt><dd class="language" lang="en">English</dd>
<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats"><dt class="words">Words:</dt>
<dd class="words">{paragraphs * 30}</dd><dt class="chapters">Chapters:</dt>
<dd class="chapters">1/1</dd></dl></dd></dl></div>
<div id="workskin"><div class="preface group"><h2 class="title heading">{html.escape(title)}</h2>
<h3 class="byline heading"><a rel="author" href="/users/keeper">keeper</a></h3>
<div class="summary module"><h3 class="heading">Summary:</h3>
<blockquote class="userstuff"><p>{html.escape(summary)}</p></blockquote></div></div>
<div id="chapters" role="article"><h3 class="landmark heading" id="work">Work Text:</h3>
<div class="userstuff">{body}</div></div></div>
<ul><li class="share"><a href="/works/{ident}/share">Share</a></li></ul>
</div></body></html>"""


ADULT_GATE = """<!DOCTYPE html><html><head><title>Adult content [Archive of Our Own]</title></head>
<body><div id="main" class="works-show region"><p class="caution">This work could have adult
content. If you continue, you have agreed that you are willing to see such content.</p>
<ul class="actions"><li><a href="/works/{id}?view_adult=true&amp;view_full_work=true">Proceed</a>
</li><li><a href="/">No, Go Back</a></li></ul></div></body></html>"""

HIDDEN_PAGE = """<!DOCTYPE html><html><head><title>Mystery Work [Archive of Our Own]</title>
</head><body><div id="main"><h2 class="heading">Mystery Work</h2><p class="notice">This work is
part of an ongoing challenge and will be revealed soon! You can find details here:
<a href="/collections/x">x</a></p></div></body></html>"""

CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
</head><body><div class="main-wrapper"><noscript>Enable JavaScript and cookies to continue
</noscript><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script>
</div></body></html>"""


FAKE = web.AppKey("fake", FakeAo3)


def _fixture(name: str) -> str:
    return (PAGES / name).read_text("utf-8")


async def _work(request: web.Request) -> web.StreamResponse:
    fake = request.app[FAKE]
    ident = int(request.match_info["id"])
    query = request.query
    if ident == SINGLE:
        return _html(_fixture("work_323217.html"))
    if ident == TEEN:
        return _html(_fixture("work_923647.html"))
    if ident == ADULT:
        if query.get("view_adult") != "true":
            return _html(ADULT_GATE.replace("{id}", str(ADULT)))
        return _html(_fixture("work_17793689_full.html"))
    if ident == RESTRICTED:
        raise web.HTTPFound(f"/users/login?restricted=true&return_to=%2Fworks%2F{ident}")
    if ident == DELETED:
        return _html(_fixture("deleted_41237499.html"), status=404)
    if ident == HIDDEN:
        return _html(HIDDEN_PAGE)
    if ident == RATE_LIMITED:
        return web.Response(status=429, text="Retry later", headers={"Retry-After": "120"})
    if ident == DOWN:
        return web.Response(status=525, text="SSL handshake failed")
    if ident == FLAKY:
        if fake.flaky_left > 0:
            fake.flaky_left -= 1
            return web.Response(status=525, text="SSL handshake failed")
        return _html(work_page(ident, "Third Time Lucky"))
    if ident == CHALLENGE:
        return _html(CHALLENGE_PAGE, status=403, headers={"cf-mitigated": "challenge"})
    if ident == SLOW:
        await asyncio.sleep(SLOW_SECONDS)
        return _html(work_page(ident, "Too Slow"))
    if ident in GENERATED:
        return _html(work_page(ident, f"Lighthouse Log {ident - GENERATED.start + 1}"))
    if ident == SEXUAL:
        return _html(
            work_page(
                ident,
                "After Hours",
                rating="Teen And Up Audiences",
                tags=("Sexual Content",),
                summary="They finally kiss.",
            )
        )
    if ident == CROWDED:
        tags = tuple(f"Tag number {n} @everyone <@&123> **bold**" for n in range(400))
        return _html(work_page(ident, "Everything " * 40, tags=tags, summary="So much. " * 700))
    if ident == HUGE:
        return _html(work_page(ident, "The Endless Log", paragraphs=3000, filler="word " * 400))
    return _html(_fixture("deleted_41237499.html"), status=404)


async def _chapter(request: web.Request) -> web.StreamResponse:
    work, chapter = int(request.match_info["work"]), int(request.match_info["chapter"])
    if (work, chapter) == (ADULT, ADULT_CHAPTER):
        return _html(ADULT_GATE.replace("{id}", str(ADULT)))
    return _html(_fixture("deleted_41237499.html"), status=404)


async def _bare_chapter(request: web.Request) -> web.StreamResponse:
    if int(request.match_info["chapter"]) == ADULT_CHAPTER:
        raise web.HTTPFound(f"/works/{ADULT}/chapters/{ADULT_CHAPTER}")
    return _html(_fixture("deleted_41237499.html"), status=404)


async def _series(request: web.Request) -> web.StreamResponse:
    if int(request.match_info["id"]) == SERIES:
        return _html(_fixture("series_2946579.html"))
    return _html(_fixture("deleted_41237499.html"), status=404)


async def _login(request: web.Request) -> web.StreamResponse:
    return _html(_fixture("restricted_15461226.html"))


def _html(text: str, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", headers=headers)


@web.middleware
async def _record(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    fake = request.app[FAKE]
    fake.log.append(
        Hit(time.perf_counter(), request.path_qs, request.headers.get("User-Agent", ""))
    )
    return await handler(request)


@asynccontextmanager
async def running() -> AsyncIterator[FakeAo3]:
    """Start the fake on a free port of 127.0.0.1; stop it on exit."""
    fake = FakeAo3()
    app = web.Application(middlewares=[_record])
    app[FAKE] = fake
    app.router.add_get("/works/{id:\\d+}", _work)
    app.router.add_get("/works/{work:\\d+}/chapters/{chapter:\\d+}", _chapter)
    app.router.add_get("/chapters/{chapter:\\d+}", _bare_chapter)
    app.router.add_get("/series/{id:\\d+}", _series)
    app.router.add_get("/users/login", _login)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.base = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
