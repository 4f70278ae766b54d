import datetime
import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from legislation import policy
from legislation.models import Bill, Category, Chapter, Instrument, Milestone, MilestoneKind, Ministry, Move
from legislation.services import history_columns

PREFIX = "SYN-"
REASON = "Synthetische voortgang"
# Roughly how a real programme spreads over the instruments.
INSTRUMENT_WEIGHTS = {
    Instrument.WET: 50,
    Instrument.AMVB: 15,
    Instrument.MINISTERIELE_REGELING: 10,
    Instrument.EU_IMPLEMENTATIE: 10,
    Instrument.ONBEKEND: 8,
    Instrument.KB: 4,
    Instrument.RIJKSWET: 2,
    Instrument.GRONDWET: 1,
}
# Fields whose Python value is already what the database stores; the others go through the field's own conversion.
PLAIN_FIELDS = {
    "AutoField", "BigAutoField", "BooleanField", "CharField", "ForeignKey", "IntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
}  # fmt: skip


class Command(BaseCommand):
    help = (
        "Add a synthetic programme next to the real register, for measuring speed at scale: "
        "bills (keys SYN-…), milestones, moves and coordinators over all ministries, each bill and milestone with "
        "the history record of its creation. Run again to add more bills after those; --replace starts over."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bills", type=int, default=10_000)
        parser.add_argument("--milestones", type=int, default=100_000)
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--replace", action="store_true", help="delete an earlier synthetic programme first")

    def handle(self, *args, **options):
        start = time.perf_counter()
        with transaction.atomic():
            if options["replace"]:
                remove_programme()
            made = self.generate(**options)
        if connection.vendor == "postgresql":
            # As autovacuum would, later: the planner's statistics and the visibility map (for index-only scans).
            with connection.cursor() as cursor:
                for model in (Bill, Milestone, Move, Bill.history.model, Milestone.history.model):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        self.stdout.write(f"Synthetic programme: {made} in {time.perf_counter() - start:.1f} s.")

    def generate(self, *, bills, milestones, users, seed, **options):
        synthetic = Bill.objects.filter(key__startswith=PREFIX)
        first = synthetic.count() + 1  # a second run adds bills after those of the first
        pick = random.Random(seed + first)
        today = timezone.localdate()
        now = timezone.now()
        ministries = list(Ministry.objects.values_list("id", flat=True))
        chapters = list(Chapter.objects.values_list("id", flat=True))
        instruments = list(INSTRUMENT_WEIGHTS)
        weights = list(INSTRUMENT_WEIGHTS.values())
        coordinators = self.coordinators(users, ministries)

        def bill(number):
            instrument = pick.choices(instruments, weights)[0]
            path = policy.path_of(instrument)
            # Most bills are early in their path; a few have ended.
            stage = pick.choices(
                [*path, *policy.END_STATES[2:]], [max(len(path) - i, 1) ** 2 for i in range(len(path))] + [1]
            )[0]
            entered = None if stage == "aangekondigd" else today - datetime.timedelta(days=pick.randint(1, 700))
            return {
                "key": f"{PREFIX}{number:05d}",
                "chapter_id": pick.choice(chapters),
                "category": pick.choice(Category.values),
                "title": f"Synthetisch wetsvoorstel nummer {number} voor het meten van de snelheid",
                "short_title": f"Synthetische wet {number}",
                "instrument": instrument,
                "lead_ministry_id": pick.choice(ministries),
                "stage": stage,
                "stage_entered_on": entered,
                "owner_id": pick.choice(coordinators) if coordinators and pick.random() < 0.3 else None,
                "updated_at": now,
            }

        before = Bill.objects.aggregate(last=Max("pk"))["last"] or 0
        insert(Bill, (bill(number) for number in range(first, first + bills)))
        new_bills = synthetic.filter(pk__gt=before)
        created = list(new_bills.order_by("key").values_list("id", "stage", "stage_entered_on"))
        insert(Move, (
            {"bill_id": pk, "from_stage": "aangekondigd", "to_stage": stage, "occurred_on": entered, "reason": REASON,
             "recorded_at": now}
            for pk, stage, entered in created if stage != "aangekondigd"
        ))  # fmt: skip

        kinds = [kind for kind in MilestoneKind.values if kind != MilestoneKind.OVERIG]

        def milestone(index):
            planned = today + datetime.timedelta(days=pick.randint(-365, 730))
            met = planned < today and pick.random() < 0.6
            return {
                "bill_id": created[index % len(created)][0],
                "kind": kinds[index // len(created) % len(kinds)],
                "planned_date": planned,
                "actual_date": planned if met else None,
                "owner_id": pick.choice(coordinators) if coordinators and pick.random() < 0.2 else None,
            }

        if created:
            insert(Milestone, (milestone(index) for index in range(milestones)))
        record_created(Bill, new_bills, now)
        record_created(Milestone, Milestone.objects.filter(bill__in=new_bills), now)
        return f"{len(created)} bills, {milestones if created else 0} milestones, {len(coordinators)} coordinators"

    def coordinators(self, count, ministries):
        """The ids of `count` synthetic coordinators over the ministries, made on the first run."""
        User = get_user_model()
        synthetic = User.objects.filter(username__startswith="syn-").order_by("username")
        if not synthetic.exists():
            User.objects.bulk_create(
                User(username=f"syn-{number:04d}", email=f"syn-{number:04d}@example.invalid",
                     first_name=f"Coördinator {number}")
                for number in range(1, count + 1)
            )
            Membership = Ministry.coordinators.through
            Membership.objects.bulk_create(
                Membership(ministry_id=ministries[index % len(ministries)], user_id=user)
                for index, user in enumerate(synthetic.values_list("id", flat=True))
            )
        return list(synthetic.values_list("id", flat=True))


def insert(model, rows, batch=20_000):
    """Insert `rows` (dicts of attribute names to values) into `model`'s table, the fields' defaults for the rest.

    The values are those the ORM would store (each field's default, its own conversion), written without the ORM's
    per-row work: COPY on PostgreSQL, one executemany per batch elsewhere. No signals: the caller records history.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    position = {f.attname: i for i, f in enumerate(fields)}
    adapt = [None if f.get_internal_type() in PLAIN_FIELDS else stored_value(f) for f in fields]
    default = [f.get_default() for f in fields]
    default = [value if convert is None else convert(value) for convert, value in zip(adapt, default)]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)

    def values(row):
        stored = list(default)
        for name, value in row.items():
            i = position[name]
            stored[i] = value if adapt[i] is None else adapt[i](value)
        return stored

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        batch_rows = []
        for row in rows:
            batch_rows.append(values(row))
            if len(batch_rows) == batch:
                cursor.executemany(sql, batch_rows)
                batch_rows = []
        if batch_rows:
            cursor.executemany(sql, batch_rows)


def stored_value(field):
    """`field`'s conversion of a value to what the database stores, remembered per value (dates repeat)."""
    stored = {}

    def convert(value):
        try:
            return stored[value]
        except KeyError:
            stored[value] = field.get_db_prep_save(value, connection)
            return stored[value]
        except TypeError:  # not hashable (a list for a JSON field)
            return field.get_db_prep_save(value, connection)

    return convert


def record_created(model, objects, when):
    """Give each of `objects` (a queryset of `model`) the history record of its creation, as simple-history would.

    One INSERT … SELECT: the record is the row as it is, with the history's own columns (when, '+', the reason).
    """
    history = model.history.model
    given = {"history_date": when, "history_type": "+", "history_change_reason": REASON, "history_user_id": None}
    copied, extra, params = history_columns(model, given)
    select, select_params = objects.order_by().values_list(*(f.attname for f in copied)).query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in copied + extra)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} ({columns}) "
            f"SELECT copied.*, {', '.join(['%s'] * len(extra))} FROM ({select}) copied",
            (*params, *select_params),
        )


def remove_programme():
    """Delete the synthetic programme, its history and its coordinators; the deletions are not recorded as history."""
    synthetic = Bill.objects.filter(key__startswith=PREFIX)
    Milestone.history.filter(bill_id__in=synthetic.values("pk")).delete()
    Bill.history.filter(id__in=synthetic.values("pk")).delete()
    # The ORM's delete (which also removes what refers to them) would record every deleted row, one at a time.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        synthetic.delete()
    get_user_model().objects.filter(username__startswith="syn-").delete()
