"""Search terms kept on the server, so no name or ID number travels in a URL (R21.1).

A search form posts its terms; the server keeps them (``SavedSearch``) under a random key and
answers with ``?s=<key>``. Paging, the other filters and the export reuse the key, so browser
history, bookmarks, proxies and the request log hold only the key. A key is good only for the user
who made it and for one working day (the session's longest life); ``xueji daily`` deletes it.
Rows, not the session: two searches a moment apart (the live search, then Enter) would each
rewrite the whole session, and one of the keys would be lost.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from xueji.core.models import SavedSearch

MAX_VALUE = 100  # no term of any search form is longer


def save(request: HttpRequest, terms: Mapping[str, str]) -> str:
    """Keep ``terms`` (empty ones dropped) and return their key."""
    kept = {
        name: _printable(value)[:MAX_VALUE]
        for name, value in terms.items()
        if name not in ("csrfmiddlewaretoken", "s", "page") and _printable(value)
    }
    key = secrets.token_urlsafe(12)
    SavedSearch.objects.create(key=key, user_id=_user_id(request), terms=kept)
    return key


def load(request: HttpRequest, key: str) -> dict[str, str] | None:
    """The terms this user saved under ``key`` within a day; None otherwise (expired or foreign)."""
    if not key or len(key) > 24:
        return None
    row = SavedSearch.objects.filter(key=key, user_id=_user_id(request), created_at__gte=_oldest()).first()
    return dict(row.terms) if row is not None else None


def purge() -> int:
    """Delete the searches older than a day (``xueji daily``); returns how many."""
    deleted, _ = SavedSearch.objects.filter(created_at__lt=_oldest()).delete()
    return deleted


def _user_id(request: HttpRequest) -> int:
    # Every search page is behind a login; an anonymous request finds and keeps nothing of anyone's.
    return int(getattr(request.user, "pk", None) or 0)


def _oldest() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=max(settings.SESSION_COOKIE_AGE, 86400))


def terms(request: HttpRequest, *, key: str = "") -> tuple[QueryDict, str | None, bool]:
    """The search a request asks for: (terms, key, expired).

    ``?s=<key>`` reads the saved terms (plus ``page`` from the URL); a request without a key reads
    its query string, which carries only filters without personal data (links such as
    ``?incomplete=1``). ``expired`` is true when a key was given but is not (or no longer) known.
    ``key`` reads a search just saved, whatever the URL says.
    """
    params = QueryDict(mutable=True)
    key = key or request.GET.get("s", "")
    if key:
        saved = load(request, key)
        if saved is None:
            return params, None, True
        params.update(saved)
    else:
        for name in request.GET:
            if name != "page":
                params[name] = request.GET.get(name, "")
    if request.GET.get("page"):
        params["page"] = request.GET["page"]
    return params, key or None, False


def resolve(
    request: HttpRequest, url_name: str, names: tuple[str, ...]
) -> tuple[QueryDict, str | None, HttpResponseRedirect | None]:
    """A search page's terms, its key, and (for a search just posted) the redirect to ``?s=<key>``.

    A posted search (or an old link with ``?q=``) is kept on the server and the page addressed by
    its key; a key this session does not know (expired, or another user's) redirects to the empty
    search page with a word why.
    """
    source = request.POST if request.method == "POST" else request.GET
    if request.method == "POST" or source.get("q"):
        saved = save(request, {name: source.get(name, "") for name in names})
        params, _, _ = terms(request, key=saved)
        return params, saved, redirect(f"{reverse(url_name)}?s={saved}")
    params, key, expired = terms(request)
    if expired:
        messages.info(request, "这次查询已过期（查询条件保留一个工作日），请重新查询。")
        return params, None, redirect(url_name)
    return params, key, None


def _printable(value: Any) -> str:
    # NUL cannot reach PostgreSQL; other control characters are no part of a name or a number.
    return "".join(ch for ch in str(value) if ch.isprintable()).strip()
