"""The Tweede Kamer's open data, served from tests/recordings/tweedekamer/ by a real loopback HTTP server:
what each document, decision and activity proves, applied through the rules."""

import datetime

from django.urls import reverse

from legislation import services
from legislation.models import MilestoneKind, Move
from publicrecord.models import Document, Dossier, Outcome, Proposal, Source, SourceState
from publicrecord.sync import sync
import tweedekamer_server

# The recorded Gegevensmagazijn and a bill linked to a dossier (fixtures shared with test_public_record.py).
tk, linked = tweedekamer_server.tk, tweedekamer_server.linked


def read_tk():
    report = sync([Source.TWEEDE_KAMER])
    assert not report.failures, report
    return report


def reread_all():
    """As a day later: every linked dossier is read again, whatever the feed says."""
    Dossier.objects.update(updated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))


def test_the_submission_moves_the_bill_to_the_tweede_kamer_citing_the_document(tk, linked, client, alice):
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    bill = linked("36546", stage="raad_van_state")
    read_tk()
    bill.refresh_from_db()
    assert (bill.stage, bill.stage_entered_on) == ("tweede_kamer", datetime.date(2026, 6, 9))
    (move,) = bill.moves.all()
    assert move.moved_by is None
    assert move.origin == "tweedekamer:Document/3f1c2a64-1e0b-4f7e-9d2a-5b8c6e4a1f01"
    assert "Koninklijke boodschap (2026-06-09), https://zoek.officielebekendmakingen.nl/kst-36546-1.html" in move.source
    met = {m.kind: m.actual_date for m in bill.milestones.filter(actual_date__isnull=False)}
    assert met == {"indiening_tk": datetime.date(2026, 6, 9), "advies_rvs": datetime.date(2026, 6, 9)}
    outcomes = dict(Document.objects.filter(bill=bill).values_list("document_type", "outcome"))
    assert outcomes == {"Koninklijke boodschap": "applied", "Voorstel van wet": "known",
                        "Memorie van toelichting": "known", "Plenair debat": "recorded",
                        "Advies Afdeling advisering Raad van State en Nader rapport": "recorded"}
    client.force_login(alice)
    page = client.get(reverse("bill-detail", kwargs={"key": bill.key})).content.decode()
    moves = page[page.index('<ol class="history">'):page.index("</ol>", page.index('<ol class="history">'))]
    assert "openbare bron" in moves  # who moved it
    changes = page[page.index('<table class="changes">'):]
    assert "<td>openbare bron</td>" in changes
    assert changes.count("gegevensbestanden van het register") == 1  # only the test creating the bill


def test_a_planned_plenary_debate_becomes_a_planned_milestone_that_follows_a_new_date(tk, linked):
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    bill = linked("36546", stage="tweede_kamer")
    read_tk()
    (debate,) = bill.milestones.filter(kind=MilestoneKind.OVERIG)
    assert (debate.planned_date, debate.actual_date) == (datetime.date(2027, 1, 19), None)
    assert debate.label == "Plenair debat: Debat over het wetsvoorstel"
    tk.dossiers["36546"] = "dossier-36546-debate-moved.json"
    reread_all()
    read_tk()
    (debate,) = bill.milestones.filter(kind=MilestoneKind.OVERIG)
    assert debate.planned_date == datetime.date(2027, 2, 2)


def test_a_proposed_decision_proves_nothing_and_an_adopted_bill_goes_to_the_eerste_kamer(tk, linked):
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    bill = linked("36546", stage="tweede_kamer")
    read_tk()
    bill.refresh_from_db()
    assert bill.stage == "tweede_kamer"  # the vote was only on the agenda ("Voorstel")
    tk.dossiers["36546"] = "dossier-36546-adopted.json"
    reread_all()
    read_tk()
    bill.refresh_from_db()
    assert (bill.stage, bill.stage_entered_on) == ("eerste_kamer", datetime.date(2026, 10, 6))
    assert bill.moves.get().origin == "tweedekamer:Besluit/9c8b7a65-4321-4fed-cba9-876543210f01"
    assert bill.milestones.get(kind=MilestoneKind.STEMMING_TK).actual_date == datetime.date(2026, 10, 6)


def test_stages_skipped_going_forward_are_skipped_as_the_rules_allow(tk, linked):
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    announced = linked("36546", stage="aangekondigd")
    decree = linked("36546", stage="voorbereiding", instrument="amvb")
    read_tk()
    announced.refresh_from_db()
    assert announced.stage == "tweede_kamer"  # consultation skipped: the record is the reason
    decree.refresh_from_db()
    assert decree.stage == "raad_van_state"  # an AMvB never enters the chambers; the advice shows it reached RvS
    (proposal,) = Proposal.objects.filter(bill=decree)
    assert proposal.to_stage == "tweede_kamer" and "doorloopt de fase “Tweede Kamer” niet" in proposal.reason


def test_a_second_run_adds_nothing_and_asks_the_feed_from_where_it_stopped(tk, linked):
    tk.dossiers["36546"] = "dossier-36546-adopted.json"
    bill = linked("36546", stage="raad_van_state")
    read_tk()
    counts = Move.objects.count(), bill.milestones.count(), Document.objects.count(), Proposal.objects.count()
    assert SourceState.objects.get(source="tweedekamer").cursor == "18220415"
    odata_asked = len(tk.asked("/OData/v4/2.0/Kamerstukdossier"))
    read_tk()
    assert tk.asked("/SyncFeed/2.0/Feed")[-1].args["skiptoken"] == "18220415"
    assert len(tk.asked("/OData/v4/2.0/Kamerstukdossier")) == odata_asked  # neither changed nor stale
    reread_all()
    read_tk()  # read whole again: every document is known
    assert (Move.objects.count(), bill.milestones.count(), Document.objects.count(),
            Proposal.objects.count()) == counts


def test_the_syncfeed_is_paged_by_skiptoken_and_lists_every_dossier_for_matching(tk, linked, jenv):
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    linked("36546", stage="tweede_kamer")
    read_tk()
    assert [request.args.get("skiptoken") for request in tk.asked("/SyncFeed/2.0/Feed")] == [None, "18220413"]
    listed = {dossier.value: dossier for dossier in Dossier.objects.all()}
    assert set(listed) == {"36546", "36700", "36610-R2190"}  # the deleted entry is left out
    assert listed["36700"].title == "Implementatie van de richtlijn (EU) 2022/2555 (Cyberbeveiligingswet)"
    assert (listed["36546"].ministry, listed["36546"].ministry_name) == (jenv, "minister van Justitie en Veiligheid")
    # The feed's other dossiers: whose first signatory one more request asks for.
    assert listed["36700"].ministry == jenv
    assert listed["36610-R2190"].ministry.code == "VRO"
    (signatories,) = [request for request in tk.asked("/OData/v4/2.0/Kamerstukdossier") if "$select" in request.args]
    assert "(Nummer eq 36610 and Toevoeging eq 'R2190')" in signatories.args["$filter"]


def test_old_records_re_emitted_change_nothing(tk, linked, alice):
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    bill = linked("36546", stage="tweede_kamer")
    services.move_bill(bill, "eerste_kamer", by=alice, occurred_on=datetime.date(2026, 10, 10))
    read_tk()
    bill.refresh_from_db()
    assert bill.stage == "eerste_kamer"
    assert not Proposal.objects.exists()
    assert bill.moves.count() == 1


def test_a_move_against_a_persons_recent_move_waits_for_review(tk, linked, alice):
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    bill = linked("36546", stage="tweede_kamer")
    services.move_bill(bill, "raad_van_state", by=alice, reason="Terug: het advies moet opnieuw")
    read_tk()
    bill.refresh_from_db()
    assert bill.stage == "raad_van_state"
    (proposal,) = Proposal.objects.all()
    assert proposal.to_stage == "tweede_kamer" and proposal.document.document_type == "Koninklijke boodschap"


def test_a_rejected_bill_is_proposed_as_rejected(tk, linked):
    tk.dossiers["36547"] = "dossier-36547-rejected.json"
    bill = linked("36547", stage="tweede_kamer")
    read_tk()
    bill.refresh_from_db()
    assert bill.stage == "tweede_kamer"
    (proposal,) = Proposal.objects.filter(status="open")
    assert (proposal.bill, proposal.to_stage) == (bill, "verworpen")
    assert proposal.document.title == "Verworpen. (Wijziging van de Wegenverkeerswet 1994 in verband met het " \
                                      "kentekenen van bromfietsen)"
    assert proposal.document.date == datetime.date(2026, 9, 29)


def test_a_withdrawn_bill_is_proposed_as_withdrawn(tk, linked):
    tk.dossiers["36548"] = "dossier-36548-withdrawn.json"
    bill = linked("36548", stage="tweede_kamer")
    read_tk()
    bill.refresh_from_db()
    assert bill.stage == "tweede_kamer"
    (proposal,) = Proposal.objects.all()
    assert proposal.to_stage == "ingetrokken"
    assert "intrekking" in proposal.document.title


def test_documents_of_a_kind_that_proves_nothing_are_recorded_and_change_nothing(tk, linked):
    tk.dossiers["36549"] = "dossier-36549-unknown.json"
    bill = linked("36549", stage="tweede_kamer")
    version = bill.version
    read_tk()
    bill.refresh_from_db()
    assert (bill.stage, bill.version) == ("tweede_kamer", version)
    assert set(Document.objects.filter(bill=bill).values_list("document_type", "outcome")) == {
        ("Nota naar aanleiding van het verslag", Outcome.NOT_UNDERSTOOD), ("Motie", Outcome.NOT_UNDERSTOOD)}
    assert not bill.moves.exists() and not bill.milestones.exists()


def test_garbage_from_the_feed_is_a_failure_of_this_source_only(tk, linked):
    tk.feed[None] = "dossier-36546-submitted.json"  # JSON where the feed's XML belongs
    report = sync([Source.TWEEDE_KAMER])
    assert "antwoordde met iets dat geen feed is" in report.failures["tweedekamer"]
    state = SourceState.objects.get(source="tweedekamer")
    assert (state.failures, state.cursor) == (1, "")
