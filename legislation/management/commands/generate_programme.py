import datetime
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from legislation import policy
from legislation.models import Bill, Category, Chapter, Instrument, Milestone, MilestoneKind, Ministry, Move

PREFIX = "SYN-"
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


class Command(BaseCommand):
    help = (
        "Add a synthetic programme next to the real register, for measuring speed at scale: "
        "bills (keys SYN-…), milestones, moves and coordinators over all ministries. "
        "Bulk inserts: the synthetic rows have no change history. Run again with --replace to start over."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bills", type=int, default=10_000)
        parser.add_argument("--milestones", type=int, default=100_000)
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--replace", action="store_true", help="delete an earlier synthetic programme first")

    def handle(self, *args, **options):
        self.generate(**options)
        if connection.vendor == "postgresql":
            # As autovacuum would, later: the planner's statistics and the visibility map (for index-only scans).
            with connection.cursor() as cursor:
                for model in (Bill, Milestone, Bill.co_ministries.through):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")

    @transaction.atomic
    def generate(self, *, bills, milestones, users, seed, replace, **options):
        synthetic = Bill.objects.filter(key__startswith=PREFIX)
        if replace:
            Move.objects.filter(bill__in=synthetic).delete()
            Milestone.objects.filter(bill__in=synthetic).delete()
            synthetic.delete()
            get_user_model().objects.filter(username__startswith="syn-").delete()
        elif synthetic.exists():
            self.stdout.write("A synthetic programme exists already; use --replace to make a new one.")
            return

        pick = random.Random(seed)
        today = timezone.localdate()
        ministries = list(Ministry.objects.all())
        chapters = list(Chapter.objects.all())
        instruments = list(INSTRUMENT_WEIGHTS)
        weights = list(INSTRUMENT_WEIGHTS.values())

        coordinators = self.make_users(users, ministries)
        new_bills = []
        for number in range(1, bills + 1):
            instrument = pick.choices(instruments, weights)[0]
            path = policy.path_of(instrument)
            # Most bills are early in their path; a few have ended.
            stage = pick.choices(
                [*path, *policy.END_STATES[2:]], [max(len(path) - i, 1) ** 2 for i in range(len(path))] + [1]
            )[0]
            new_bills.append(
                Bill(
                    key=f"{PREFIX}{number:05d}",
                    chapter=pick.choice(chapters),
                    category=pick.choice(Category.values),
                    title=f"Synthetisch wetsvoorstel nummer {number} voor het meten van de snelheid",
                    short_title=f"Synthetische wet {number}",
                    instrument=instrument,
                    lead_ministry=pick.choice(ministries),
                    stage=stage,
                    stage_entered_on=None if stage == "aangekondigd" else today - datetime.timedelta(days=pick.randint(1, 700)),
                    owner=pick.choice(coordinators) if coordinators and pick.random() < 0.3 else None,
                )
            )
        Bill.objects.bulk_create(new_bills, batch_size=2000)
        created = list(Bill.objects.filter(key__startswith=PREFIX).order_by("key"))

        Move.objects.bulk_create(
            [
                Move(
                    bill=bill,
                    from_stage="aangekondigd",
                    to_stage=bill.stage,
                    occurred_on=bill.stage_entered_on,
                    reason="Synthetische voortgang",
                )
                for bill in created
                if bill.stage != "aangekondigd"
            ],
            batch_size=2000,
        )

        kinds = [kind for kind in MilestoneKind.values if kind != MilestoneKind.OVERIG]
        new_milestones = []
        for index in range(milestones):
            bill = created[index % len(created)]
            planned = today + datetime.timedelta(days=pick.randint(-365, 730))
            met = planned < today and pick.random() < 0.6
            new_milestones.append(
                Milestone(
                    bill=bill,
                    kind=kinds[index // len(created) % len(kinds)],
                    planned_date=planned,
                    actual_date=planned if met else None,
                    owner=pick.choice(coordinators) if coordinators and pick.random() < 0.2 else None,
                )
            )
        Milestone.objects.bulk_create(new_milestones, batch_size=5000)
        self.stdout.write(
            f"Synthetic programme: {len(created)} bills, {len(new_milestones)} milestones, {len(coordinators)} coordinators."
        )

    def make_users(self, count, ministries):
        User = get_user_model()
        User.objects.bulk_create(
            [
                User(username=f"syn-{number:04d}", email=f"syn-{number:04d}@example.invalid", first_name=f"Coördinator {number}")
                for number in range(1, count + 1)
            ]
        )
        users = list(User.objects.filter(username__startswith="syn-").order_by("username"))
        Membership = Ministry.coordinators.through
        Membership.objects.bulk_create(
            [Membership(ministry=ministries[index % len(ministries)], user=user) for index, user in enumerate(users)]
        )
        return users
