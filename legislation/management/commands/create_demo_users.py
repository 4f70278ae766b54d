import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from legislation.models import Ministry

CENTRAL_GROUP = "Centrale coördinatie"


class Command(BaseCommand):
    help = (
        "Create the demo accounts (a central coordinator and a coordinator per ministry) if they are missing, "
        "and print their passwords. Existing accounts are left as they are."
    )

    def handle(self, *args, **options):
        credentials_file = settings.VAR_DIR / "demo-accounts.txt"
        known = {}
        if credentials_file.exists():
            known = dict(line.split(" ", 1) for line in credentials_file.read_text().splitlines() if " " in line)

        central, _ = Group.objects.get_or_create(name=CENTRAL_GROUP)
        central.permissions.add(Permission.objects.get(codename="move_all_bills", content_type__app_label="legislation"))

        accounts = [("centraal", "Centrale coördinator", None)]
        accounts += [(f"coord-{m.code.lower()}", f"Coördinator {m.code}", m) for m in Ministry.objects.all()]
        User = get_user_model()
        for username, name, ministry in accounts:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
            if created:
                known[username] = secrets.token_urlsafe(9)
                user.set_password(known[username])
                user.save()
                if ministry is None:
                    user.groups.add(central)
                else:
                    ministry.coordinators.add(user)

        credentials_file.parent.mkdir(parents=True, exist_ok=True)
        credentials_file.write_text("".join(f"{u} {p}\n" for u, p in sorted(known.items())))
        credentials_file.chmod(0o600)
        self.stdout.write("Demo accounts (username password):")
        for username, _name, _ministry in accounts:
            self.stdout.write(f"  {username:<12} {known.get(username, '(password changed by hand, not known)')}")
