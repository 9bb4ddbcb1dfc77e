"""Reviews from the dashboard's claim page: the one write it offers, only with ``serve --allow-review``.

The dashboard is read-only unless started with ``--allow-review``; then one
route, ``POST /claim/{id}/review``, records a review through the same
function as ``figtrace review``. The form is guarded against cross-site
request forgery two ways: a token bound to the claim and to this server
run (an HMAC with a secret made at start-up, so no other page can know it),
and the request must come from this server's pages (``Sec-Fetch-Site:
same-origin``, or an ``Origin``/``Referer`` naming this host). The body is bounded and parsed
as a plain form; nothing in it reaches SQL but as bound values.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from figtrace.web.params import MAX_TEXT, path_id

#: The only path a POST may reach, and only when reviews are allowed.
REVIEW_PATH = re.compile(r"^/claim/\d{1,19}/review$")
#: Largest form body accepted (a review is a few short fields).
MAX_BODY = 8 * 1024
#: Longest note kept.
MAX_NOTE = 500


def new_secret() -> bytes:
    return secrets.token_bytes(32)


def review_token(request: Request, claim_id: int) -> str:
    """The form token for one claim, valid for this server run only."""
    secret: bytes = request.app.state.review_secret
    return hmac.new(secret, f"review:{claim_id}".encode(), hashlib.sha256).hexdigest()


def _same_origin(request: Request) -> bool:
    """The request comes from a page of this server.

    A browser says so in ``Sec-Fetch-Site``; with the dashboard's
    ``no-referrer`` policy it sends ``Origin: null``, so Origin (or Referer)
    is only compared when it names a site. A request that says neither is refused.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and origin != "null":
        parts = urlsplit(origin)
        return parts.netloc == request.headers.get("host", "") and parts.scheme == request.url.scheme
    return site == "same-origin"


def _field(form: dict[str, list[str]], name: str, limit: int = MAX_TEXT) -> str | None:
    values = form.get(name) or [""]
    value = values[0].strip()
    if len(value) > limit or any(ord(ch) < 32 for ch in value):
        raise HTTPException(400, f"form field {name!r}: longer than {limit} characters or control characters")
    return value or None


async def post_review(request: Request) -> Response:
    """Record a review from the claim page's form, then show the claim again (303)."""
    from figtrace.store.reviews import Review

    if not request.app.state.allow_review:
        raise HTTPException(405, "reviews are off: start figtrace serve with --allow-review")
    claim_id = path_id(request.path_params["id"])
    if claim_id is None:
        raise HTTPException(404, "no such claim")
    if not _same_origin(request):
        raise HTTPException(403, "a review must be sent from this dashboard's own claim page")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > MAX_BODY:
        raise HTTPException(413, f"a review form is at most {MAX_BODY} bytes")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"a review form is at most {MAX_BODY} bytes")
    try:
        form = parse_qs(body.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "the review form is not a form") from None
    token = _field(form, "token", 128) or ""
    if not hmac.compare_digest(token, review_token(request, claim_id)):
        raise HTTPException(403, "the review form has expired or is not this dashboard's: reload the claim page")
    action = _field(form, "action") or "save"
    review = Review(source=_field(form, "source"), measure=_field(form, "measure"), actor=_field(form, "actor"),
                    reject=_field(form, "reject") is not None, note=_field(form, "note", MAX_NOTE))
    if action == "confirm":
        review = Review(note=review.note or "")
    elif action == "save" and not (review.source or review.measure or review.actor or review.reject or review.note):
        raise HTTPException(400, "nothing to save: change a field, tick 'not a claim', or confirm as is")
    await run_in_threadpool(_write, request, claim_id, review, action == "clear")
    return RedirectResponse(f"/claim/{claim_id}", status_code=303)


def _write(request: Request, claim_id: int, review: object, clear: bool) -> None:
    from figtrace.store import Ledger
    from figtrace.store.reviews import Review, review_claim

    assert isinstance(review, Review)
    with Ledger(request.app.state.db_path) as ledger:
        review_claim(ledger, claim_id, review, clear=clear)
