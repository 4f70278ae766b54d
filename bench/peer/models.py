"""The tracker's tables as the peer reads them (unmanaged: the tracker owns them)."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models


class User(AbstractBaseUser):
    username = models.CharField(max_length=150, unique=True)
    is_active = models.BooleanField(default=True)
    USERNAME_FIELD = "username"
    objects = BaseUserManager()

    class Meta:
        managed = False
        db_table = "accounts_user"


class Ministry(models.Model):
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)

    class Meta:
        managed = False
        db_table = "legislation_ministry"


class Chapter(models.Model):
    code = models.CharField(max_length=4)
    title = models.CharField(max_length=200)

    class Meta:
        managed = False
        db_table = "legislation_chapter"


class Card(models.Model):
    key = models.CharField(max_length=20)
    short_title = models.CharField(max_length=150)
    instrument = models.CharField(max_length=30)
    stage = models.CharField(max_length=20)
    version = models.PositiveIntegerField()
    on_hold = models.BooleanField()
    controversial = models.BooleanField()
    lead_ministry = models.ForeignKey(Ministry, models.DO_NOTHING)
    chapter = models.ForeignKey(Chapter, models.DO_NOTHING)
    owner = models.ForeignKey(User, models.DO_NOTHING, null=True)
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "legislation_bill"
        ordering = ["stage", "key"]
