"""Calls, meetings, e-mails, tasks and reminders planned by staff, and their calendar feeds."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """One planned piece of work for one owner, optionally about a customer, a deal or another
    object (``link_type``/``link_id``, e.g. a ticket). Completing a contact (call, meeting,
    e-mail) about a customer records an Interaction on the customer's timeline."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        TASK = "task", _("Task")
        REMINDER = "reminder", _("Reminder")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        LOW = 0, _("Low")
        NORMAL = 1, _("Normal")
        HIGH = 2, _("High")

    class EmailState(models.TextChoices):
        NONE = "", _("Not sent")
        SENDING = "sending", _("Sending")
        RETRY = "retry", _("Will retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (no address or too late)")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CALL)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    # Start of a call or meeting, due time of a task or reminder. An all-day activity is
    # stored at local midnight of its day.
    due_at = models.DateTimeField(_("when"))
    all_day = models.BooleanField(_("all day"), default=False)
    end_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    link_type = models.CharField(max_length=32, blank=True)  # ticket, order, lead…
    link_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # The activity a completed one asked to follow up with (see services.activity_complete).
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    remind_minutes_before = models.PositiveIntegerField(
        _("remind (minutes before)"), null=True, blank=True
    )
    remind_at = models.DateTimeField(null=True, blank=True)  # derived; NULL: no reminder
    reminder_sent_at = models.DateTimeField(null=True, blank=True)  # in-page notification
    reminder_email = models.CharField(
        max_length=8, choices=EmailState.choices, default=EmailState.NONE, blank=True
    )
    reminder_email_at = models.DateTimeField(null=True, blank=True)
    reminder_email_attempts = models.PositiveSmallIntegerField(default=0)
    # iCalendar SEQUENCE: bumped by every change a calendar shows.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="activity_my_day_idx"),
            models.Index(
                fields=["status", "remind_at"],
                name="activity_remind_idx",
                condition=models.Q(reminder_sent_at__isnull=True, remind_at__isnull=False),
            ),
            models.Index(
                fields=["reminder_email", "reminder_email_at"],
                name="activity_remind_retry_idx",
                condition=models.Q(reminder_email="retry"),
            ),
            models.Index(fields=["customer", "status", "due_at"], name="activity_customer_idx"),
            models.Index(fields=["deal", "status", "due_at"], name="activity_deal_idx"),
            models.Index(fields=["link_type", "link_id"], name="activity_link_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gte=models.F("due_at")),
                name="activity_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_contact(self) -> bool:
        return self.kind in CONTACT_KINDS


CONTACT_KINDS = frozenset({Activity.Kind.CALL, Activity.Kind.MEETING, Activity.Kind.EMAIL})


class CalendarFeed(models.Model):
    """A user's secret calendar address. Only a SHA-256 hash of the token is stored; the
    address is shown once, when it is made. Regenerating replaces it (the old one stops)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.prefix}…"
