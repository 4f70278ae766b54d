from django.core.management.base import BaseCommand, CommandError

from legislation.loader import RegisterDataError, load_register


class Command(BaseCommand):
    help = "Load the Bijlage 2 register and the reported progress from legislation/data/ (safe to run again)."

    def handle(self, *args, **options):
        try:
            report = load_register()
        except RegisterDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Register: {report.created} new, {report.updated} updated, {report.unchanged} unchanged; "
            f"{report.moves} moves and {report.milestones_created} milestones added, "
            f"{report.milestones_updated} milestones updated, {report.identifiers} dossiers linked."
        )
        if report.kept_by_hand:
            self.stdout.write(f"Kept as edited by hand: {', '.join(report.kept_by_hand)}")
        if report.not_in_data:
            self.stdout.write(self.style.WARNING(f"In the database but not in the data file: {', '.join(report.not_in_data)}"))
