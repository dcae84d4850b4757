"""Reminders: an in-page notification (over the websocket) and an e-mail, each sent once.

The scheduled job (``tasks.send_reminders``, every minute) finds planned activities whose
``remind_at`` has come and claims each with one conditional UPDATE (``… WHERE
reminder_sent_at IS NULL``): of two workers, or a retried run, exactly one claims it, and
the notification is written in the claiming transaction. The e-mail is sent after that
commit, under a second claim (``reminder_email``: "" → "sending" → "sent"); an SMTP error
puts it back as "retry" (up to :data:`MAX_ATTEMPTS`, after :data:`RETRY_AFTER`). A worker
killed between sending and marking leaves "sending" — that e-mail is not sent again: a
reminder is never sent twice, at the price of rarely not being e-mailed.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heartline.activities.models import Activity
from heartline.core.notifications import notification_create

logger = logging.getLogger(__name__)

BATCH = 200
MAX_ATTEMPTS = 3
RETRY_AFTER = datetime.timedelta(minutes=5)
# A reminder found more than this long after its activity began (no worker ran) only
# notifies in the page; an e-mail that late would mislead.
STALE_AFTER = datetime.timedelta(hours=1)
State = Activity.EmailState


@dataclass
class ReminderRun:
    notified: int = 0
    emailed: int = 0
    skipped: int = 0
    failed: int = 0


def _when(activity: Activity) -> str:
    local = timezone.localtime(activity.due_at)
    if activity.all_day:
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")


def _texts(activity: Activity) -> tuple[str, str, str]:
    """(notification, e-mail subject, e-mail body) in the owner's language."""
    owner = activity.owner
    with translation.override(getattr(owner, "language", "") or settings.LANGUAGE_CODE):
        when = _when(activity)
        kind = activity.get_kind_display()
        note = _("Reminder: %(kind)s “%(subject)s” at %(when)s") % {
            "kind": kind,
            "subject": activity.subject,
            "when": when,
        }
        subject = _("Reminder: %(subject)s at %(when)s") % {
            "subject": activity.subject,
            "when": when,
        }
        lines = [
            f"{kind}: {activity.subject}",
            _("When: %(when)s (%(zone)s)") % {"when": when, "zone": settings.TIME_ZONE},
        ]
        if activity.customer is not None:
            lines.append(_("Customer: %(name)s") % {"name": activity.customer.display_name})
        if activity.location:
            lines.append(_("Where: %(place)s") % {"place": activity.location})
        if activity.notes:
            lines += ["", activity.notes]
        lines += [
            "",
            _("Your day in Heartline: %(url)s")
            % {"url": settings.PUBLIC_BASE_URL + reverse("web:my_day")},
        ]
    return note, subject, "\n".join(lines) + "\n"


def _claim(activity_id: int, now: datetime.datetime) -> Activity | None:
    """Claim one due reminder and notify in the page, in one transaction; None when another
    run claimed it first (or it was cancelled or moved meanwhile)."""
    with transaction.atomic():
        claimed = Activity.objects.filter(
            pk=activity_id,
            status=Activity.Status.PLANNED,
            reminder_sent_at__isnull=True,
            remind_at__lte=now,
        ).update(reminder_sent_at=now)
        if not claimed:
            return None
        activity = Activity.objects.select_related("owner", "customer").get(pk=activity_id)
        note, _subject, _body = _texts(activity)
        notification_create(recipient=activity.owner, text=note, link=reverse("web:my_day"))
        if not activity.owner.email or activity.due_at < now - STALE_AFTER:
            state = State.SKIPPED
        else:
            state = State.SENDING
        attempts = 1 if state == State.SENDING else 0
        Activity.objects.filter(pk=activity_id).update(
            reminder_email=state, reminder_email_at=now, reminder_email_attempts=attempts
        )
        activity.reminder_email, activity.reminder_email_attempts = state, attempts
        return activity


def _claim_retry(activity_id: int, now: datetime.datetime) -> Activity | None:
    claimed = Activity.objects.filter(
        pk=activity_id, reminder_email=State.RETRY, reminder_email_at__lte=now - RETRY_AFTER
    ).update(
        reminder_email=State.SENDING,
        reminder_email_at=now,
        reminder_email_attempts=F("reminder_email_attempts") + 1,
    )
    if not claimed:
        return None
    return Activity.objects.select_related("owner", "customer").get(pk=activity_id)


def _send(activity: Activity, now: datetime.datetime) -> bool:
    """Send the claimed e-mail; mark it sent, or to be retried, or failed."""
    _note, subject, body = _texts(activity)
    language = getattr(activity.owner, "language", "") or settings.LANGUAGE_CODE
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[activity.owner.email],
        headers={
            "Content-Language": "zh-Hans" if language == "zh-hans" else language,
            "Auto-Submitted": "auto-generated",
        },
    )
    try:
        message.send()
    except Exception:  # SMTP refused or unreachable: try again later, a few times
        logger.exception("reminder e-mail for activity %s failed", activity.pk)
        attempts = activity.reminder_email_attempts
        state = State.RETRY if attempts < MAX_ATTEMPTS else State.FAILED
        Activity.objects.filter(pk=activity.pk).update(reminder_email=state, reminder_email_at=now)
        return False
    Activity.objects.filter(pk=activity.pk).update(
        reminder_email=State.SENT, reminder_email_at=timezone.now()
    )
    return True


def send_due_reminders(*, now: datetime.datetime | None = None) -> ReminderRun:
    """Send every reminder that is due (and retry e-mails that failed). Idempotent."""
    now = now or timezone.now()
    run = ReminderRun()
    due = Activity.objects.filter(
        status=Activity.Status.PLANNED, reminder_sent_at__isnull=True, remind_at__lte=now
    ).order_by("remind_at", "id")
    for activity_id in list(due.values_list("pk", flat=True)[:BATCH]):
        activity = _claim(activity_id, now)
        if activity is None:
            continue
        run.notified += 1
        if activity.reminder_email == State.SKIPPED:
            run.skipped += 1
        elif _send(activity, now):
            run.emailed += 1
        else:
            run.failed += 1
    retry = Activity.objects.filter(
        reminder_email=State.RETRY, reminder_email_at__lte=now - RETRY_AFTER
    ).order_by("reminder_email_at", "id")
    for activity_id in list(retry.values_list("pk", flat=True)[:BATCH]):
        again = _claim_retry(activity_id, now)
        if again is None:
            continue
        if _send(again, now):
            run.emailed += 1
        else:
            run.failed += 1
    return run
