"""The review list: what the public record suggests and the rules leave to a person."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from legislation import services
from legislation.policy import RuleError
from legislation.selectors import may_change

from .apply import cite
from .models import Proposal, ProposalStatus
from .selectors import open_proposals


def proposal_list(request):
    proposals = open_proposals(request.user).select_related("bill", "document").order_by("created_at", "id")
    return render(request, "publicrecord/proposals.html", {"proposals": proposals})


def decided(request, pk):
    """The open proposal `pk`, if the user may change its item."""
    proposal = get_object_or_404(Proposal.objects.select_related("bill", "document"), pk=pk)
    if not may_change(request.user, proposal.bill):
        raise PermissionDenied(_("You may only decide the proposals of your own ministry's items."))
    if proposal.status != ProposalStatus.OPEN:
        messages.error(request, _("This proposal was already decided."))
        return None
    return proposal


@require_POST
def proposal_accept(request, pk):
    """Make the proposed move, by the user, citing the document."""
    proposal = decided(request, pk)
    if proposal is None:
        return redirect("proposal-list")
    document = proposal.document
    try:
        with transaction.atomic():
            services.move_bill(proposal.bill, proposal.to_stage, by=request.user,
                               reason=_("Accepted from the public record: %(title)s") % {"title": document.title},
                               source=cite(document), occurred_on=document.date)
            close(proposal, request.user, ProposalStatus.ACCEPTED)
    except RuleError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("%(key)s is now in “%(stage)s”.")
                         % {"key": proposal.bill.key, "stage": proposal.get_to_stage_display()})
    return redirect("proposal-list")


@require_POST
def proposal_dismiss(request, pk):
    proposal = decided(request, pk)
    if proposal is not None:
        close(proposal, request.user, ProposalStatus.DISMISSED)
        messages.success(request, _("The proposal for %(key)s was dismissed; the item stays as it is.")
                         % {"key": proposal.bill.key})
    return redirect("proposal-list")


def close(proposal, user, status):
    proposal.status, proposal.decided_by, proposal.decided_at = status, user, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
