"""The Customer Contact Repository: one append-only Interaction per contact, on any channel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heartline.core.models import AppendOnlyError
from heartline.customers.models import Customer


class Interaction(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        CHAT = "chat", _("Chat")
        EMAIL = "email", _("E-mail")
        WEB = "web", _("Web")
        STORE = "store", _("Store")
        SMS = "sms", _("SMS")
        SOCIAL = "social", _("Social")
        CAMPAIGN = "campaign", _("Campaign")
        SURVEY = "survey", _("Survey")
        SYSTEM = "system", _("System")

    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")
        INTERNAL = "internal", _("Internal")

    # No index of its own: interaction_timeline_idx starts with customer_id and serves every
    # look-up by customer (the 360, merges, deletes); a second one only slows every insert.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("when"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    sentiment = models.FloatField(_("sentiment"), null=True, blank=True)  # -1..1, by analytics
    follow_up = models.CharField(_("promised follow-up"), max_length=300, blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    # A later row may close an earlier follow-up or correct an earlier row; nothing is edited.
    # Almost always empty: indexed only where set (interaction_closes_idx, …_corrects_idx).
    closes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="closed_by",
        db_index=False,
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrected_by",
        db_index=False,
    )
    link_type = models.CharField(max_length=32, blank=True)  # ticket, order, deal, call…
    link_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=64, blank=True)
    # NULL when the contact has no external reference: NULLs never clash in a unique index,
    # so the (source, source_ref) index is a plain one that both databases use for look-ups.
    source_ref = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "-occurred_at", "-id"], name="interaction_timeline_idx"
            ),
            # "Is this row closed?" (the 360's open follow-ups) and ON DELETE SET NULL.
            models.Index(
                fields=["closes"],
                name="interaction_closes_idx",
                condition=models.Q(closes__isnull=False),
            ),
            models.Index(
                fields=["corrects"],
                name="interaction_corrects_idx",
                condition=models.Q(corrects__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], name="interaction_source_ref_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.occurred_at:%Y-%m-%d} {self.topic}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Interactions are append-only: record a correction instead.")
        super().save(*args, **kwargs)
