"""The synthetic programme for the benchmarks: rows as the ORM would store them, each with its creation record."""

from django.contrib.auth import get_user_model
from django.core.management import call_command

from legislation.models import Bill, Milestone, Move


def generate(**options):
    call_command("generate_programme", users=5, stdout=open("/dev/null", "w"), **options)


def test_a_programme_is_valid_rows_with_their_history(committed_register):
    generate(bills=30, milestones=120)

    bills = Bill.objects.filter(key__startswith="SYN-").order_by("key")
    assert [b.key for b in bills] == [f"SYN-{n:05d}" for n in range(1, 31)]
    for bill in bills:
        bill.full_clean()  # the fields' defaults and choices, as a save through the ORM would give
        (record,) = Bill.history.filter(id=bill.pk)
        assert record.history_type == "+"
        assert (record.stage, record.version, record.updated_at, record.edited_fields) == (
            bill.stage, 1, bill.updated_at, [])
    assert Move.objects.filter(bill__in=bills).count() == bills.exclude(stage="aangekondigd").count()

    milestones = Milestone.objects.filter(bill__in=bills)
    assert milestones.count() == 120
    for milestone in milestones:
        milestone.full_clean()
    records = {r.id: r for r in Milestone.history.filter(bill_id__in=bills.values("pk"))}
    assert len(records) == 120
    assert all(records[m.pk].planned_date == m.planned_date and records[m.pk].history_type == "+" for m in milestones)


def test_a_second_run_adds_and_replace_starts_over(committed_register, client):
    generate(bills=10, milestones=20)
    first_ids = set(Bill.objects.filter(key__startswith="SYN-").values_list("pk", flat=True))
    generate(bills=5, milestones=10)
    keys = list(Bill.objects.filter(key__startswith="SYN-").order_by("key").values_list("key", flat=True))
    assert keys == [f"SYN-{n:05d}" for n in range(1, 16)]
    assert get_user_model().objects.filter(username__startswith="syn-").count() == 5

    generate(bills=3, milestones=3, replace=True)
    assert Bill.objects.filter(key__startswith="SYN-").count() == 3
    assert not Bill.history.filter(id__in=first_ids).exists()  # neither kept nor recorded as deleted
    assert not Milestone.history.filter(bill_id__in=first_ids).exists()
    assert Bill.objects.count() == 170 + 3

    client.force_login(get_user_model().objects.get(username="syn-0001"))
    assert b"SYN-00001" in client.get("/").content
