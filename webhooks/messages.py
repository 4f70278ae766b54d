"""What a delivery posts: its body in the endpoint's form, and the signature over it."""

import datetime as dt
import hashlib
import hmac
import json

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from legislation.models import Flag, MilestoneKind, Stage

from .models import EventKind, Form


def body(delivery):
    """The bytes posted: the event itself, or a chat message saying it in Dutch."""
    payload = delivery.event.payload
    if delivery.endpoint.form == Form.CHAT:
        payload = {"text": chat_text(payload)}
    return json.dumps(payload, ensure_ascii=False).encode()


def signature(secret, timestamp, content):
    """The `X-Tracker-Signature` header: HMAC-SHA256 with the endpoint's secret over "<timestamp>.<body>"."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + content, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def chat_text(payload):
    """One Dutch sentence for a chat channel, and the item's link (chat apps make a bare address a link)."""
    with translation.override("nl"):
        return f"{_sentence(payload)}\n{payload['bill']['url']}"


def _sentence(payload):
    bill, move, kind = payload["bill"], payload.get("move"), payload["type"]
    facts = {"bill": f"{bill['short_title']} ({bill['key']})"}
    if kind == EventKind.MILESTONE:
        return _milestone_sentence(facts, payload["milestone"])
    if kind == EventKind.MOVED and move["flag"]:
        facts["flag"] = Flag(move["flag"]).label
        text = _("%(bill)s: marked “%(flag)s”.") if move["flag_set"] else _("%(bill)s: no longer “%(flag)s”.")
    elif kind == EventKind.MOVED:
        facts.update({"from": Stage(move["from_stage"]).label, "to": Stage(move["to_stage"]).label})
        text = _("%(bill)s moved from “%(from)s” to “%(to)s”.")
    elif kind == EventKind.ENDED:
        facts["to"] = Stage(move["to_stage"]).label
        text = _("%(bill)s has ended: “%(to)s”.")
    else:  # EventKind.RECORD_PROPOSED, once its write emits it (models.EventKind)
        text = _("%(bill)s: a new proposal for the public record.")
    text = text % facts
    if move and move["reason"]:
        text += " " + _("Reason: %(reason)s") % {"reason": move["reason"]}
    return text


def _milestone_sentence(facts, milestone):
    facts["milestone"] = milestone["label"] or MilestoneKind(milestone["kind"]).label
    text = {
        "added": _("%(bill)s: milestone “%(milestone)s” added."),
        "changed": _("%(bill)s: milestone “%(milestone)s” changed."),
        "deleted": _("%(bill)s: milestone “%(milestone)s” deleted."),
    }[milestone["action"]] % facts
    if milestone["actual_date"]:
        text += " " + _("Met on %(date)s.") % {"date": _day(milestone["actual_date"])}
    elif milestone["planned_date"]:
        text += " " + _("Planned for %(date)s.") % {"date": _day(milestone["planned_date"])}
    return text


def _day(iso):
    return date_format(dt.date.fromisoformat(iso), "j F Y")
