import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db.models import Q

from legislation.models import Ministry

CENTRAL_GROUP = "Centrale coördinatie"
MINISTRY_GROUP = "Ministeriële coördinatie"

# What each role may do in the admin. Which bills a coordinator may change
# there is up to the rules: those of their own ministry.
COORDINATION = [
    "legislation.view_bill", "legislation.change_bill",
    "legislation.view_milestone", "legislation.add_milestone", "legislation.change_milestone",
    "legislation.delete_milestone",
    "legislation.view_identifier", "legislation.add_identifier", "legislation.delete_identifier",
    "legislation.view_ministry",
    # To pick an owner from the list of users.
    "accounts.view_user",
]
PERMISSIONS = {
    CENTRAL_GROUP: [*COORDINATION, "legislation.move_all_bills", "legislation.change_ministry"],
    MINISTRY_GROUP: COORDINATION,
}


def permissions(names):
    wanted = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted)


class Command(BaseCommand):
    help = (
        "Create the demo accounts (an admin, a central coordinator and a coordinator per ministry) if they are "
        "missing, give them their roles and print their passwords. Existing accounts keep their passwords."
    )

    def handle(self, *args, **options):
        credentials_file = settings.VAR_DIR / "demo-accounts.txt"
        known = {}
        if credentials_file.exists():
            known = dict(line.split(" ", 1) for line in credentials_file.read_text().splitlines() if " " in line)

        groups = {}
        for name, names in PERMISSIONS.items():
            groups[name], _ = Group.objects.get_or_create(name=name)
            groups[name].permissions.set(permissions(names))

        accounts = [("beheer", "Beheerder", None), ("centraal", "Centrale coördinator", None)]
        accounts += [(f"coord-{m.code.lower()}", f"Coördinator {m.code}", m) for m in Ministry.objects.all()]
        User = get_user_model()
        for username, name, ministry in accounts:
            # An address that goes nowhere, so that reminders show up as files in var/mail/ in the embedded default.
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": name, "email": f"{username}@example.invalid"}
            )
            if created:
                known[username] = secrets.token_urlsafe(9)
                user.set_password(known[username])
            # Roles are brought up to date on every run, so that older demo accounts gain admin access too.
            user.email = user.email or f"{username}@example.invalid"
            user.is_staff = True
            user.is_superuser = username == "beheer"
            user.save()
            if username == "centraal":
                user.groups.add(groups[CENTRAL_GROUP])
            elif ministry is not None:
                user.groups.add(groups[MINISTRY_GROUP])
                ministry.coordinators.add(user)

        credentials_file.parent.mkdir(parents=True, exist_ok=True)
        credentials_file.write_text("".join(f"{u} {p}\n" for u, p in sorted(known.items())))
        credentials_file.chmod(0o600)
        self.stdout.write("Demo accounts (username password):")
        for username, _name, _ministry in accounts:
            self.stdout.write(f"  {username:<12} {known.get(username, '(password changed by hand, not known)')}")
