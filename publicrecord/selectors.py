"""Reads of the sync's records for people: the proposals a user may decide."""

from django.db.models import Q

from legislation.selectors import may_steer_all, ministry_ids

from .models import Proposal, ProposalStatus


def open_proposals(user):
    """The open proposals of the items `user` may change (every item's, for the central coordinator)."""
    proposals = Proposal.objects.filter(status=ProposalStatus.OPEN)
    if may_steer_all(user):
        return proposals
    mine = ministry_ids(user)
    if not mine:
        return proposals.none()
    return proposals.filter(Q(bill__lead_ministry__in=mine) | Q(bill__co_ministries__in=mine)).distinct()
