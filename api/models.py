"""Personal API tokens: a user's key to the JSON API, with that user's own rights.

Only a token's SHA-256 is stored; the token itself is shown once, when it is
made. It holds 256 random bits, so its hash alone finds it and a slow hash
would add nothing. Its first characters (the prefix) are kept to tell tokens apart.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How exactly a token's last use is kept: a read then costs no write, but once a minute.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
# Marks the tracker's tokens, so that a token pasted somewhere is recognised for what it is.
SCHEME = "wgm_"
PREFIX_LENGTH = len(SCHEME) + 8


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked__isnull=True, user__is_active=True)

    def issue(self, user, name):
        """Make a token for `user`; return the row and the token, which is not kept."""
        token = SCHEME + secrets.token_urlsafe(32)
        row = self.create(user=user, name=name, prefix=token[:PREFIX_LENGTH], hashed=digest(token))
        return row, token

    def authenticate(self, token):
        """The active token row for `token`, with its user, or None; marks it used."""
        row = self.active().select_related("user").filter(hashed=digest(token)).first()
        now = timezone.now()
        if row is not None and (row.last_used is None or now - row.last_used >= LAST_USED_PRECISION):
            row.last_used = now
            self.filter(pk=row.pk).update(last_used=now)
        return row


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, verbose_name=_("user"), related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the script that uses it."))
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, editable=False)
    hashed = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    def revoke(self):
        """Retire the token for good; revoking it again keeps the first date."""
        ApiToken.objects.filter(pk=self.pk, revoked__isnull=True).update(revoked=timezone.now())
