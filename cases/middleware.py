"""Request guards that run before any view.

`MetadataOnlyMiddleware` refuses imagery, video and file uploads before anything parses the body,
so nothing of such a request is ever stored (DOMAIN.md, "Metadata only"). `NoStoreMiddleware` keeps
every page Safeguard builds out of every cache. The session and two-factor guards are in
accounts/middleware.py.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers

from audit.context import acting_as, client_ip_address, new_request_id
from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_record
from safeguard.metadata import looks_like_media, refusal_for_value

UPLOADS_REFUSED = "Safeguard records metadata only: file uploads are not accepted. Nothing was saved."
MEDIA_REFUSED = (
    "Safeguard records metadata only: this request carries {kind}, which is not accepted. Nothing was saved."
)
FIELD_REFUSED = (
    "Safeguard records metadata only: the field “{field}” contains {kind}, which is not accepted. Nothing was saved."
)
CHARSET_REFUSED = "Send this request in UTF-8: Safeguard does not read the character set {charset}. Nothing was saved."
TOO_DEEP = (
    "This request nests its data more than {depth} levels deep, more than any Safeguard page sends. Nothing was saved."
)
PATH_REFUSED = "This address contains a control character, which no Safeguard address has. Check the link."
# Character sets a body may declare; any other is refused rather than half-decoded.
ACCEPTED_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
# JSON nested deeper than this is refused (no Safeguard page or API sends more than a few levels).
JSON_MAX_DEPTH = 32
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TOO_LARGE = (
    "This request is larger than Safeguard accepts ({limit} KB). "
    "Safeguard records metadata only: file uploads are not accepted. Nothing was saved."
)

# Bodies Safeguard's own pages and API send. Anything else with a body (application/pdf,
# application/octet-stream, image/*...) is a file by another name.
ACCEPTED_BODY_TYPES = frozenset(
    {
        "",
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "application/csp-report",
        "application/reports+json",
    }
)


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with `no-cache, must-revalidate, private` and an `Expires` in the
    past) on every response Safeguard builds: pages, exports, refusals and errors alike, so no
    browser, proxy or shared computer keeps a copy of case or audit data. It sits after WhiteNoise,
    whose static files (no case data) stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str
    field: str | None = None
    # What was found (e.g. "PNG image (base64)"), for the audit entry; never the bytes themselves.
    kind: str | None = None


# Who, other than a signed-in person, may send a request: each function, registered by an app above
# this one at start-up (the API's clients, api/apps.py), returns the name the trail gives the
# sender and its source, or None. A refusal names the first that knows the sender.
REQUEST_SENDERS: list[Callable[[HttpRequest], tuple[str, str] | None]] = []

# Refusals of something that is, or may be, imagery: each is an audit entry (`media_refused`).
AUDITED_REFUSALS = frozenset({"upload_refused", "media_refused", "value_refused"})
# Headers that are the client's own state, not something it says: not screened.
UNSCREENED_HEADERS = frozenset({"HTTP_COOKIE"})


class MetadataOnlyMiddleware:
    """Refuse file uploads, media bodies and media or `data:` URIs in any submitted value.

    Runs before the session, CSRF and every view, so a refused request reaches no code that could
    store it. The body is read once here (`request.body`) and stays readable for the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = inspect_request(request)
        if refusal is not None:
            if refusal.code in AUDITED_REFUSALS:
                record_refusal(request, refusal)
            return refusal_response(request, refusal)
        return self.get_response(request)


def record_refusal(request: HttpRequest, refusal: Refusal) -> None:
    """One `media_refused` audit entry: who (the signed-in person, read from the session cookie, as
    this runs before the session middleware; or an API client by its token, `REQUEST_SENDERS`),
    where (the page's URL name), which field and what kind of thing; never the value. Fails closed:
    if it cannot be written, the request fails."""
    person = _signed_in_person(request)
    sender = None if person is not None else next(filter(None, (named(request) for named in REQUEST_SENDERS)), None)
    try:
        where = resolve(request.path_info).view_name
    except Resolver404:
        where = "an address Safeguard does not serve"
    field = (refusal.field or "")[:100]
    if refusal_for_value(field.encode()):
        field = "a field whose name itself carries a file"
    source = sender[1] if sender else "web"
    with acting_as(person, source=source, ip=client_ip_address(request), request_id=new_request_id()) as context:
        if sender:
            context.set_named_actor(sender[0], source=source)
        audit_record(
            kind=AuditEntry.Kind.MEDIA_REFUSED,
            actor=person,
            object_type=ObjectType.REQUEST,
            summary=f"Refused {refusal.kind or 'a file upload'} sent to {where}" + (f" in {field}" if field else ""),
            changes={"where": where, "method": request.method, "field": field, "what": refusal.kind or "upload"},
            request=request,
        )


def _signed_in_person(request: HttpRequest) -> Any:
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(key)
    try:
        user = get_user(request)
    finally:
        del request.session
    return user if user.is_authenticated else None


def inspect_request(request: HttpRequest) -> Refusal | None:
    """Why this request must be refused, or None when it carries metadata only."""
    content_type = (request.content_type or "").lower()
    if content_type.startswith("multipart/"):
        return Refusal(415, "upload_refused", UPLOADS_REFUSED)
    if _CONTROL.search(request.path):
        return Refusal(400, "path_refused", PATH_REFUSED)
    charset = (request.content_params or {}).get("charset", "utf-8").strip().lower()
    if charset not in ACCEPTED_CHARSETS:
        return Refusal(400, "charset_refused", CHARSET_REFUSED.format(charset=charset[:40]))

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    content_length = _content_length(request)
    if limit is not None and content_length > limit:
        return Refusal(413, "too_large", TOO_LARGE.format(limit=limit // 1024))

    refusal = _inspect_pairs(_form_pairs(request.META.get("QUERY_STRING", "").encode("latin-1"))) or _inspect_pairs(
        _header_pairs(request)
    )
    if refusal is not None or content_length == 0:
        return refusal

    body = request.body
    if not body:
        return None
    if content_type not in ACCEPTED_BODY_TYPES:
        return Refusal(415, "upload_refused", UPLOADS_REFUSED)
    kind = looks_like_media(body)
    if kind:
        return Refusal(415, "media_refused", MEDIA_REFUSED.format(kind=_with_article(kind)), kind=kind)
    if content_type == "application/x-www-form-urlencoded":
        return _inspect_pairs(_form_pairs(body))
    if content_type in ("application/json", "application/csp-report", "application/reports+json"):
        return _inspect_pairs(_json_pairs(body))
    return _inspect_pairs(iter([("body", body)]))


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The refusal as JSON for an API client, otherwise as a page."""
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        payload = {"error": refusal.code, "message": refusal.message, "field": refusal.field}
        response: HttpResponse = JsonResponse(payload, status=refusal.status)
    else:
        context = {"message": refusal.message, "field": refusal.field, "status": refusal.status}
        response = render(request, "metadata_refused.html", context, status=refusal.status)
    response["Cache-Control"] = "no-store"
    return response


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class _TooDeep(Exception):
    pass


def _inspect_pairs(pairs: Iterator[tuple[str, bytes]]) -> Refusal | None:
    try:
        for field, value in pairs:
            kind = refusal_for_value(value)
            if kind:
                message = FIELD_REFUSED.format(field=field, kind=_with_article(kind))
                return Refusal(400, "value_refused", message, field, kind)
    except _TooDeep:
        return Refusal(400, "too_deep", TOO_DEEP.format(depth=JSON_MAX_DEPTH))
    return None


def _header_pairs(request: HttpRequest) -> Iterator[tuple[str, bytes]]:
    """Each request header as sent (WSGI gives them as Latin-1 text), named as the client names it."""
    for key, value in request.META.items():
        if key.startswith("HTTP_") and key not in UNSCREENED_HEADERS and isinstance(value, str):
            try:
                raw = value.encode("latin-1")
            except UnicodeEncodeError:  # a server that passed the header on as text
                raw = value.encode("utf-8", errors="replace")
            yield f"{key[5:].replace('_', '-').title()} header", raw


def _form_pairs(encoded: bytes) -> Iterator[tuple[str, bytes]]:
    """Name and raw value of each URL-encoded field, decoded to bytes exactly as sent."""
    for pair in encoded.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        field = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", errors="replace")
        yield field, unquote_to_bytes(value.replace(b"+", b" "))


def _json_pairs(body: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise _TooDeep from None
    except (ValueError, UnicodeDecodeError):
        yield "body", body
        return
    yield from _walk_json(data, "", 0)


def _walk_json(data: Any, path: str, depth: int) -> Iterator[tuple[str, bytes]]:
    if depth > JSON_MAX_DEPTH:
        raise _TooDeep
    if isinstance(data, str):
        yield path or "body", data.encode("utf-8", errors="surrogatepass")
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _walk_json(value, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _walk_json(value, f"{path}[{index}]", depth + 1)


def _with_article(kind: str) -> str:
    return f"an {kind}" if kind[0].lower() in "aeiou" else f"a {kind}"
