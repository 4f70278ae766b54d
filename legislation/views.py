from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from publicrecord.candidates import candidates, confirmation_source

from . import services
from .board import BadPlace, bill_filter, board_page, board_stamp, changed_card, more_cards, stage_options
from .export import bills_for_export, write_csv
from .forms import FlagForm, FollowForm, IdentifierForm, MilestoneForm, MoveForm, VersionForm
from .history import bill_history, may_revert
from .identifiers import EXAMPLES, IdentifierKind
from .models import Bill, Flag, Identifier, Milestone, Stage
from .policy import NeedsReason, NotAllowed, Position, RuleError, StaleVersion, next_stage
from .selectors import (
    may_change, milestones_in_short, starred_ids, with_next_open_milestone, with_open_milestone_kinds, with_starred,
)


@require_GET
def board(request):
    stamp = None
    if request.htmx and "since" in request.GET:  # polling
        stamp = board_stamp()
        if request.GET["since"] == stamp:
            return HttpResponse(status=204)  # nothing changed since this board was drawn
    template = "legislation/board.html"
    if request.htmx:
        template += "#board"
    return render(request, template, board_page(request, request.GET, stamp))


@require_GET
def board_column(request, stage):
    """More cards of one column (and lane): the board's "load more"."""
    if stage not in Stage.values:
        return HttpResponse(status=404)
    try:
        context = more_cards(request, request.GET, stage)
    except BadPlace as error:
        return render(request, "400.html", {"message": error.message}, status=400)
    return render(request, "legislation/board.html#more-cards", context)


def bill_on_card(key, user=None):
    # Co-ministries are fetched only if may_change needs them: not for their lead ministry or the central coordinator.
    # The next open milestone is read with it, for the card the answer shows (board.one_card), the kinds of those
    # open, so that a move reads the milestones it meets only if there are some (services.move_bill), and with a
    # `user` whether they follow it (the card's star).
    bills = with_open_milestone_kinds(with_next_open_milestone(Bill.objects.select_related("chapter", "lead_ministry")))
    return get_object_or_404(bills if user is None else with_starred(bills, user), key=key)


def back_url(request, default, url=None):
    """Where a form posted from the board or a detail page returns to: `url`, by default the posted "next", if it is ours."""
    url = request.POST.get("next", "") if url is None else url or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default


def respond(request, bill, back, message, *, status=200, ask_reason=None):
    """The answer to a change posted from a card.

    With htmx: the card as it now is, put at the top of its column, and the
    exact counts of its lane; on refusal nothing changed, so the card returns
    to where it was, with the message next to it. Without: back where it came from.
    """
    if request.htmx:
        notice = {"message": message, "ask_reason": ask_reason, "ok": status == 200}
        return render(request, "legislation/board.html#moved", changed_card(request, bill, back, notice), status=status)
    if status == 403:
        return render(request, "403.html", {"message": message, "back": back}, status=403)
    (messages.success if status == 200 else messages.error)(request, message)
    return redirect(back)


def refusal(error):
    if isinstance(error, NotAllowed):
        return 403
    if isinstance(error, StaleVersion):
        return 409
    return 422


@require_http_methods(["GET", "POST"])
def bill_move(request, key):
    """GET: the move form (in a card's menu, or as a page without JavaScript). POST: the move."""
    bill = bill_on_card(key, request.user)
    if request.method == "GET":
        return move_form(request, bill)
    back = back_url(request, reverse("board"))
    form = MoveForm(request.POST)
    if not form.is_valid():
        return respond(request, bill, back, first_error(form), status=400)
    stage = form.cleaned_data["stage"]
    try:
        services.move_bill(
            bill, stage, by=request.user, reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"]
        )
    except RuleError as error:
        ask = stage if isinstance(error, NeedsReason) else None
        return respond(request, bill, back, error.message, status=refusal(error), ask_reason=ask)
    return respond(request, bill, back, moved_message(bill))


def move_form(request, bill):
    services.check_may_change(request.user, bill)
    # From a card the form returns to the board as it was filtered; from a link, to where the link was.
    came_from = request.htmx.current_url_abs_path if request.htmx else request.headers.get("referer")
    context = {
        "bill": bill,
        "options": stage_options(bill, next_stage(Position.of(bill))),
        "back": back_url(request, reverse("board"), came_from),
        "on_board": bool(request.htmx),
    }
    template = "legislation/move.html"
    if request.htmx:
        template += "#form"
    return render(request, template, context)


@require_POST
def bill_flag(request, key):
    bill = bill_on_card(key, request.user)
    back = back_url(request, reverse("bill-detail", args=[key]))
    form = FlagForm(request.POST)
    if not form.is_valid():
        return respond(request, bill, back, first_error(form), status=400)
    data = form.cleaned_data
    try:
        services.set_flag(bill, data["flag"], data["on"], by=request.user, reason=data["reason"], expected_version=data["version"])
    except RuleError as error:
        return respond(request, bill, back, error.message, status=refusal(error))
    flag = Flag(data["flag"]).label
    message = _("“%(flag)s” is set.") if data["on"] else _("“%(flag)s” is lifted.")
    return respond(request, bill, back, message % {"flag": flag})


@require_POST
def follow(request):
    """Follow an item with the star, or stop: the star as it now is (htmx), else back where it was clicked."""
    form = FollowForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(first_error(form), status=400)
        messages.error(request, first_error(form))
        return redirect(back_url(request, reverse("board")))
    following = bool(form.cleaned_data["follow"])
    key = form.cleaned_data["follow"] or form.cleaned_data["unfollow"]
    bill = get_object_or_404(Bill.objects.only("pk", "key", "short_title"), key=key)
    back = back_url(request, reverse("bill-detail", args=[key]))
    (services.follow if following else services.unfollow)(bill, by=request.user)
    if request.htmx:
        place = form.cleaned_data["place"] or "detail"
        also = form.cleaned_data["also"]
        stars = [star(request, bill, following, place)]
        if also and also != place:
            stars.append(star(request, bill, following, also, oob=True))
        return HttpResponse("".join(stars))
    message = _("You follow “%(title)s”.") if following else _("You no longer follow “%(title)s”.")
    messages.success(request, message % {"title": bill.short_title})
    return redirect(back)


def star(request, bill, following, place, oob=False):
    """The HTML of `bill`'s star at `place` (templates/legislation/star.html)."""
    context = {"bill": bill, "following": following, "place": place, "oob": oob,
               "form": "stars" if place == "card" else "stars-detail"}
    return render_to_string("legislation/star.html", context, request)


def moved_message(bill):
    return _("%(title)s is now in “%(stage)s”.") % {"title": bill.short_title, "stage": bill.get_stage_display()}


def first_error(form):
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else ""
    return f"{label}: {errors[0]}" if label else errors[0]


def bill_with_history(key):
    return get_object_or_404(
        Bill.objects.select_related("chapter", "lead_ministry", "parent", "owner").prefetch_related(
            "co_ministries", "children", "identifiers__added_by", "milestones__owner", "moves__moved_by"
        ),
        key=key,
    )


# An item with more milestones than this shows, until asked for all, those still to be met and the last few met;
# its changes come a page at a time. An item of hundreds of milestones and changes stays a page quick to use.
MILESTONES_IN_FULL = 20
MET_MILESTONES_SHOWN = 5
CHANGES_PER_PAGE = 50


def detail_context(request, bill, milestone_form=None, new_milestone=None, refusal="", saved="", **identifiers):
    """The item's page; `milestone_form` and `new_milestone` carry a form that failed, with its errors,
    `saved` the confirmation of a milestone just saved, `identifiers` those of `identifiers_context`."""
    editable = may_change(request.user, bill)
    milestones = list(bill.milestones.all())
    shown = milestones
    if len(milestones) > MILESTONES_IN_FULL and request.GET.get("milestones") != "all":
        shown = milestones_in_short(milestones, MET_MILESTONES_SHOWN)
    changes = Paginator(bill_history(bill), CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for milestone in shown:
        form = None
        if editable:
            failed = milestone_form and milestone_form.instance.pk == milestone.pk
            form = milestone_form if failed else MilestoneForm(instance=milestone, prefix=f"m{milestone.pk}")
        rows.append((milestone, form))
    return {
        "bill": bill,
        "following": bool(starred_ids(request.user, [bill])),
        "refusal": refusal,
        "saved": saved,
        "changes": changes,
        "may_revert": may_revert(request.user),
        "editable": editable,
        "options": stage_options(bill, next_stage(Position.of(bill))) if editable else "",
        "milestone_rows": rows,
        "milestones_total": len(milestones),
        "milestones_folded": len(milestones) - len(shown),
        "new_milestone": new_milestone or MilestoneForm(prefix="new"),
        **identifiers_context(request, bill, editable, **identifiers),
    }


def identifiers_context(request, bill, editable, identifier_form=None, identifier_notice="", identifier_ok=True):
    """The item's public identifiers: the add form (with its errors, if it failed), the dossiers that may be the
    item's own, and the notice of a link just made or refused."""
    return {
        "editable": editable,
        "identifier_form": identifier_form or IdentifierForm(),
        "identifier_notice": identifier_notice,
        "identifier_ok": identifier_ok,
        "identifier_examples": "; ".join(EXAMPLES.values()),
        "candidates": candidates(bill) if editable else [],
    }


def render_detail(request, bill, status=200, **forms):
    template = "legislation/bill_detail.html"
    if request.htmx:
        template += "#detail"
    return render(request, template, detail_context(request, bill, **forms), status=status)


@require_GET
def bill_detail(request, key):
    return render_detail(request, bill_with_history(key))


@require_POST
def milestone_add(request, key):
    bill = bill_with_history(key)
    services.check_may_change(request.user, bill)
    form = MilestoneForm(request.POST, prefix="new")
    if not form.is_valid():
        return render_detail(request, bill, status=400, new_milestone=form)
    try:
        milestone = services.add_milestone(bill, by=request.user, **form.cleaned_data)
    except RuleError as error:
        return render_detail(request, bill, status=refusal(error), new_milestone=form, refusal=error.message)
    return milestone_saved(request, key, milestone)


@require_POST
def milestone_edit(request, pk):
    milestone = get_object_or_404(Milestone.objects.select_related("bill"), pk=pk)
    bill = bill_with_history(milestone.bill.key)
    services.check_may_change(request.user, bill)
    form = MilestoneForm(request.POST, instance=Milestone.objects.get(pk=pk), prefix=f"m{pk}")
    seen = VersionForm(request.POST)
    if not form.is_valid() or not seen.is_valid():
        return render_detail(request, bill, status=400, milestone_form=form)
    try:
        services.change_milestone(milestone, by=request.user, expected_version=seen.cleaned_data["version"], **form.cleaned_data)
    except StaleVersion as error:
        return render_detail(request, bill_with_history(bill.key), status=409, refusal=error.message)
    return milestone_saved(request, bill.key, milestone)


def milestone_saved(request, key, milestone):
    message = _("Milestone “%(milestone)s” saved.") % {"milestone": milestone}
    if request.htmx:
        return render_detail(request, bill_with_history(key), saved=message)
    messages.success(request, message)
    return redirect("bill-detail", key=key)


def identifiers_answer(request, key, status=200, notice="", form=None):
    """The answer to a change of an item's identifiers: with htmx its section as it now is, with the notice;
    without, back to the item's page, or the page with the form's errors."""
    bill = bill_with_history(key)
    changes = {"identifier_form": form, "identifier_notice": notice, "identifier_ok": status == 200}
    if request.htmx:
        context = {"bill": bill, **identifiers_context(request, bill, may_change(request.user, bill), **changes)}
        return render(request, "legislation/bill_detail.html#identifiers", context, status=status)
    if status != 200:
        return render_detail(request, bill, status=status, **changes)
    messages.success(request, notice)
    return redirect(reverse("bill-detail", args=[key]) + "#identifiers-title")


def linking(request, bill, kind, text, source):
    """Link an identifier to `bill` as `request.user`: the answer, or None and why it was refused."""
    try:
        identifier = services.add_identifier(bill, kind, text, by=request.user, source=source)
    except ValidationError as error:
        return None, error
    notice = _("%(identifier)s is linked.") % {"identifier": identifier}
    return identifiers_answer(request, bill.key, notice=notice), None


@require_POST
def identifier_add(request, key):
    bill = bill_on_card(key)
    services.check_may_change(request.user, bill)
    form = IdentifierForm(request.POST)
    if form.is_valid():
        name = request.user.get_full_name() or request.user.get_username()
        answer, error = linking(request, bill, form.cleaned_data["kind"], form.cleaned_data["value"],
                                _("Linked by %(name)s on the item's page") % {"name": name})
        if answer:
            return answer
        form.add_error("value", error)
    return identifiers_answer(request, key, status=400, form=form)


@require_POST
def identifier_remove(request, key, pk):
    identifier = get_object_or_404(Identifier.objects.select_related("bill"), pk=pk, bill__key=key)
    services.remove_identifier(identifier, by=request.user)
    return identifiers_answer(request, key, notice=_("%(identifier)s is removed.") % {"identifier": identifier})


@require_POST
def candidate_confirm(request, key, pk):
    """A coordinator says a proposed dossier is the item's own: only then is it linked."""
    bill = bill_on_card(key)
    services.check_may_change(request.user, bill)
    candidate = next((candidate for candidate in candidates(bill) if candidate.dossier.pk == pk), None)
    if candidate is None:
        return identifiers_answer(request, key, status=409, notice=_(
            "This dossier is no longer proposed for this item; look at the item as it is now."))
    answer, error = linking(request, bill, IdentifierKind.DOSSIER, candidate.value,
                            confirmation_source(candidate, request.user))
    return answer or identifiers_answer(request, key, status=409, notice=error.messages[0])


@require_GET
def bill_list(request):
    bills = bill_filter(
        request, request.GET, Bill.objects.select_related("chapter", "lead_ministry").prefetch_related("co_ministries")
    )
    template = "legislation/bill_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"filter": bills, "bills": bills.qs})


@require_GET
def register_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"wetgevingsregister-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    write_csv(response, bill_filter(request, request.GET, bills_for_export()).qs)
    return response
