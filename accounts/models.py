from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A coordinator, the central coordinator or an admin.

    Which ministries a user coordinates is kept on the ministry
    (`Ministry.coordinators`); steering everything is the permission
    `legislation.move_all_bills`. A model of our own from the start, so that
    per-user settings can be added without swapping the user model later.
    """
