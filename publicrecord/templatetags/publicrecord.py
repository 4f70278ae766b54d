from django import template
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from ..models import Source
from ..selectors import open_proposals

register = template.Library()


@register.simple_tag
def open_proposal_count(user):
    """How many proposals of the public record wait for `user` (the menu links them when there are any)."""
    return open_proposals(user).count() if user.is_authenticated else 0


@register.filter
def from_public_record(origin):
    """Whether a move or milestone with this origin was made by the sync (`<source>:<document>`, apply.origin)."""
    return origin.partition(":")[0] in Source.values


@register.filter
def by_public_record(reason):
    """Whether a change in an item's history was made by the sync: its reason begins as apply.py writes it."""
    prefixes = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes.append(gettext("The public record"))
    return (reason or "").startswith(tuple(prefixes))
