"""Small helpers shared by the HTML views."""
from .messages import message
from .paging import CachedCountPaginator


def paginate(request, queryset, per_page: int = 25) -> dict:
    """Context for templates/includes/pagination.html: the page and the query string without `page`."""
    page = CachedCountPaginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page_obj": page, "querystring_without_page": (query.urlencode() + "&") if query else ""}


def error_text(exc) -> str:
    """A DomainError and its field problems as one line for a flash message."""
    details = [message(c, **exc.params) for codes in exc.fields.values() for c in (codes if isinstance(codes, list | tuple) else [codes])]
    return "；".join(dict.fromkeys([exc.detail, *details]))
