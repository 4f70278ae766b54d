"""The JSON API, version 1: the register, an item, the overview, and a coordinator's writes.

Reads use the board's filters and selectors, writes go through
`legislation.services`, so the rules are those of the board: a stale version
is a 409, an item the user may not change a 403, a move the rules refuse a 422.
Values are checked by the board's own forms after the schema checked their shape.
"""

from django.core.exceptions import ValidationError as InvalidValue
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from legislation import services
from legislation.board import bill_filter
from legislation.forms import MAX_VERSION, MilestoneForm, MoveForm
from legislation.models import Bill, Identifier, Milestone
from legislation.policy import NeedsReason, NotAllowed, RuleError, StaleVersion
from legislation.views import bill_on_card, bill_with_history
from overview.views import figures_of

from . import schemas
from .auth import TokenAuth, TokenRateThrottle, in_requested_language
from .schemas import KEY, Error

api = NinjaAPI(
    title="Wetgevingsmonitor API",
    version="1",
    description=(
        "The register of Bijlage 2 of the Regeerprogramma, its items and the programme overview, and the changes a "
        "coordinator makes on the board. Authenticate with a personal token (`Authorization: Bearer <token>`, made "
        "on the page Herinneringen); the API acts with the rights of the token's user. Answers are in Dutch, or in "
        "English with `Accept-Language: en`."
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    throttle=TokenRateThrottle(),
)
api.add_decorator(in_requested_language, mode="view")

# What every operation may answer besides its success; a write may also meet the rules' refusals.
REFUSALS = {400: Error, 401: Error, 404: Error, 429: Error}
WRITE_REFUSALS = {**REFUSALS, 403: Error, 409: Error, 422: Error}
BillKey = Path(..., pattern=KEY)
RowId = Path(..., ge=1)  # the id of a milestone or identifier


def error(request, status, code, detail, errors=None, headers=()):
    response = api.create_response(request, {"detail": detail, "code": code, "errors": errors or {}}, status=status)
    for name, value in headers:
        response[name] = value
    return response


def invalid(request, errors):
    return error(request, 400, "invalid", _("The request is not valid; see the errors per field."), errors)


@api.exception_handler(ValidationError)
def malformed(request, exc):
    errors = {}
    for problem in exc.errors:
        errors.setdefault(".".join(str(part) for part in problem["loc"][1:]) or "body", []).append(problem["msg"])
    return invalid(request, errors)


@api.exception_handler(HttpError)
def unreadable(request, exc):
    # Ninja's own refusal of a body that is not JSON.
    return error(request, exc.status_code, "invalid", _("The request's body cannot be read; send JSON."))


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return error(request, 401, "unauthorized", _("Give a valid API token: Authorization: Bearer <token>."),
                 headers=[("WWW-Authenticate", "Bearer")])


@api.exception_handler(Throttled)
def throttled(request, exc):
    return error(request, 429, "throttled", _("Too many requests with this token; wait a moment and try again."),
                 headers=[("Retry-After", str(max(1, round(exc.wait or 1))))])


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(request, 404, "not_found", _("There is no such item."))


@api.exception_handler(RuleError)
def refused(request, exc):
    if isinstance(exc, NotAllowed):
        return error(request, 403, "not_allowed", exc.message)
    if isinstance(exc, StaleVersion):
        return error(request, 409, "stale_version", exc.message)
    return error(request, 422, "needs_reason" if isinstance(exc, NeedsReason) else "move_refused", exc.message)


def form_errors(form):
    return {field: list(messages) for field, messages in form.errors.items()}


def filtered(request, query, queryset=None):
    """The board's filters at `query` over `queryset`; an unknown ministry or chapter is an error of its form."""
    params = QueryDict(mutable=True)
    for name, value in query.dict().items():
        if value not in ("", False):
            params[name] = "on" if value is True else value
    return bill_filter(request, params, queryset)


@api.get("/bills", response={200: schemas.RegisterPage, **REFUSALS}, summary="The register, with the board's filters")
def bill_list(request, query: Query[schemas.FilterQuery], page: Query[schemas.Page]):
    bills = Bill.objects.select_related("chapter", "lead_ministry", "owner").prefetch_related("co_ministries")
    filters = filtered(request, query, bills)
    if not filters.form.is_valid():
        return invalid(request, form_errors(filters.form))
    start = (page.page - 1) * page.page_size
    return {"count": filters.qs.count(), "page": page.page, "page_size": page.page_size,
            "items": list(filters.qs.order_by("key")[start : start + page.page_size])}


@api.get("/bills/{key}", response={200: schemas.BillDetail, **REFUSALS},
         summary="One item, with its milestones, moves and history")
def bill_detail(request, key: str = BillKey):
    return bill_with_history(key)


@api.get("/overview", response={200: schemas.OverviewOut, **REFUSALS},
         summary="The programme overview's figures, with the board's filters")
def overview_figures(request, query: Query[schemas.FilterQuery]):
    filters = filtered(request, query)
    if not filters.form.is_valid():
        return invalid(request, form_errors(filters.form))
    return figures_of(filters)


@api.post("/bills/{key}/moves", response={201: schemas.Moved, **WRITE_REFUSALS},
          summary="Move the item to a stage, against the version read")
def bill_move(request, move: schemas.MoveIn, key: str = BillKey):
    bill = bill_on_card(key)
    form = MoveForm(move.dict())
    if not form.is_valid():
        return invalid(request, form_errors(form))
    data = form.cleaned_data
    made = services.move_bill(bill, data["stage"], by=request.user, reason=data["reason"],
                              expected_version=data["version"])
    return Status(201, {"move": made, "bill": bill})


@api.post("/bills/{key}/milestones", response={201: schemas.MilestoneOut, **WRITE_REFUSALS},
          summary="Add a milestone to the item")
def milestone_add(request, milestone: schemas.MilestoneIn, key: str = BillKey):
    bill = bill_on_card(key)
    services.check_may_change(request.user, bill)
    form = MilestoneForm(milestone.dict())
    if not form.is_valid():
        return invalid(request, form_errors(form))
    return Status(201, services.add_milestone(bill, by=request.user, **form.cleaned_data))


@api.patch("/milestones/{milestone_id}", response={200: schemas.MilestoneOut, **WRITE_REFUSALS},
           summary="Change a milestone, against the version of its item read")
def milestone_change(request, changes: schemas.MilestonePatch, milestone_id: int = RowId):
    milestone = get_object_or_404(Milestone.objects.select_related("bill", "owner"), pk=milestone_id)
    services.check_may_change(request.user, milestone.bill)
    fields = MilestoneForm._meta.fields
    as_is = {name: getattr(milestone, name) for name in fields}
    form = MilestoneForm({**as_is, **changes.dict(exclude_unset=True, exclude={"version"})})
    if not form.is_valid():
        return invalid(request, form_errors(form))
    services.change_milestone(milestone, by=request.user, expected_version=changes.version, **form.cleaned_data)
    return milestone


@api.delete("/milestones/{milestone_id}", response={204: None, **WRITE_REFUSALS},
            summary="Delete a milestone, against the version of its item read")
def milestone_delete(request, milestone_id: int = RowId, version: int = Query(..., ge=1, le=MAX_VERSION)):
    milestone = get_object_or_404(Milestone.objects.select_related("bill"), pk=milestone_id)
    services.delete_milestone(milestone, by=request.user, expected_version=version)
    return Status(204, None)


@api.put("/bills/{key}/follow", response={204: None, **REFUSALS}, summary="Follow the item")
def follow(request, key: str = BillKey):
    services.follow(bill_on_card(key), by=request.user)
    return Status(204, None)


@api.delete("/bills/{key}/follow", response={204: None, **REFUSALS}, summary="Stop following the item")
def unfollow(request, key: str = BillKey):
    services.unfollow(bill_on_card(key), by=request.user)
    return Status(204, None)


@api.post("/bills/{key}/identifiers", response={201: schemas.IdentifierOut, **WRITE_REFUSALS},
          summary="Link a public identifier to the item")
def identifier_add(request, identifier: schemas.IdentifierIn, key: str = BillKey):
    bill = bill_on_card(key)
    name = request.user.get_full_name() or request.user.get_username()
    try:
        added = services.add_identifier(bill, identifier.kind, identifier.value, by=request.user,
                                        source=_("Linked by %(name)s through the API") % {"name": name})
    except InvalidValue as refusal:
        return invalid(request, {"value": refusal.messages})
    return Status(201, added)


@api.delete("/bills/{key}/identifiers/{identifier_id}", response={204: None, **WRITE_REFUSALS},
            summary="Remove a public identifier from the item")
def identifier_remove(request, key: str = BillKey, identifier_id: int = RowId):
    identifier = get_object_or_404(Identifier.objects.select_related("bill"), pk=identifier_id, bill__key=key)
    services.remove_identifier(identifier, by=request.user)
    return Status(204, None)
