"""Reminders: one in-page notification and one e-mail per reminder, however often the job runs
or however many workers claim at once; retried after an SMTP error; a real SMTP exchange."""

from __future__ import annotations

import datetime
import email
import email.policy
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail

from heartline.activities import reminders
from heartline.activities.models import Activity
from heartline.activities.reminders import send_due_reminders
from heartline.activities.services import activity_cancel
from heartline.core.models import Notification, OutboxEvent
from heartline.worker import schedule
from tests.activities.conftest import at, plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Heartline <heartline@example.com>"
    settings.PUBLIC_BASE_URL = "https://crm.example.com"


def planned_call(rep, zhang, **fields: Any) -> Activity:  # type: ignore[no-untyped-def]
    with time_machine.travel(at(2030, 5, 6, 8, 0), tick=False):
        return plan(
            rep,
            customer=zhang,
            due_at=at(2030, 5, 6, 10, 0),
            remind_minutes_before=15,
            location="Nanjing Road store",
            notes="Size 43 arrived",
            **fields,
        )


def test_the_job_is_scheduled_every_minute():
    job = schedule.job_named("activity_reminders")
    assert (job.task_path, job.interval_seconds) == (
        "heartline.activities.tasks.send_reminders",
        60,
    )


def test_nothing_before_the_time_then_exactly_one_notification_and_one_email(rep, zhang):
    activity = planned_call(rep, zhang)
    assert send_due_reminders(now=at(2030, 5, 6, 9, 44, 59)) == reminders.ReminderRun()
    assert (Notification.objects.count(), len(mail.outbox)) == (0, 0)

    first = send_due_reminders(now=at(2030, 5, 6, 9, 45))
    second = send_due_reminders(now=at(2030, 5, 6, 9, 46))
    assert first == reminders.ReminderRun(notified=1, emailed=1)
    assert second == reminders.ReminderRun()

    note = Notification.objects.get()
    assert (note.recipient, note.link) == (rep, "/activities/")
    assert note.text == "Reminder: Call “Call about the order” at 2030-05-06 10:00"
    assert OutboxEvent.objects.filter(type="notification.created").count() == 1
    assert OutboxEvent.objects.get(type="notification.created").groups == [f"user.{rep.pk}"]

    (message,) = mail.outbox
    assert message.to == ["rep@example.com"]
    assert message.from_email == "Heartline <heartline@example.com>"
    assert message.subject == "Reminder: Call about the order at 2030-05-06 10:00"
    assert message.body == (
        "Call: Call about the order\n"
        "When: 2030-05-06 10:00 (Asia/Shanghai)\n"
        "Customer: 张伟\n"
        "Where: Nanjing Road store\n"
        "\n"
        "Size 43 arrived\n"
        "\n"
        "Your day in Heartline: https://crm.example.com/activities/\n"
    )
    assert message.extra_headers == {
        "Content-Language": "en",
        "Auto-Submitted": "auto-generated",
    }
    activity.refresh_from_db()
    assert activity.reminder_sent_at == at(2030, 5, 6, 9, 45)
    assert (activity.reminder_email, activity.reminder_email_attempts) == ("sent", 1)


def test_a_claim_is_won_once_even_by_two_workers_at_the_same_moment(rep, zhang):
    activity = planned_call(rep, zhang)
    now = at(2030, 5, 6, 9, 45)
    first = reminders._claim(activity.pk, now)
    second = reminders._claim(activity.pk, now)
    assert first is not None
    assert second is None
    assert Notification.objects.count() == 1


def test_cancelled_and_rescheduled_activities(rep, zhang):
    cancelled = planned_call(rep, zhang)
    activity_cancel(actor=rep, activity=cancelled)
    assert send_due_reminders(now=at(2030, 5, 6, 9, 50)).notified == 0
    moved = planned_call(rep, zhang)
    send_due_reminders(now=at(2030, 5, 6, 9, 50))
    with time_machine.travel(at(2030, 5, 6, 9, 55), tick=False):
        from heartline.activities.services import activity_reschedule

        activity_reschedule(actor=rep, activity=moved, due_at=at(2030, 5, 7, 10, 0))
    assert send_due_reminders(now=at(2030, 5, 7, 9, 44)).notified == 0
    assert send_due_reminders(now=at(2030, 5, 7, 9, 45)).notified == 1
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_no_address_or_too_late_notifies_in_the_page_only(rep, zhang, make_staff):
    quiet = make_staff("sales", username="quiet")
    plan(quiet, due_at=at(2030, 5, 6, 10, 0), remind_minutes_before=0)
    planned_call(rep, zhang)
    run = send_due_reminders(now=at(2030, 5, 6, 11, 30))  # the call began 90 minutes ago
    assert run == reminders.ReminderRun(notified=2, skipped=2)
    assert Notification.objects.count() == 2
    assert mail.outbox == []
    assert sorted(Activity.objects.values_list("reminder_email", flat=True)) == [
        "skipped",
        "skipped",
    ]


def test_an_smtp_error_is_retried_later_and_then_given_up(rep, zhang, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    activity = planned_call(rep, zhang)
    assert send_due_reminders(now=at(2030, 5, 6, 9, 45)) == reminders.ReminderRun(
        notified=1, failed=1
    )
    activity.refresh_from_db()
    assert (activity.reminder_email, activity.reminder_email_attempts) == ("retry", 1)
    assert send_due_reminders(now=at(2030, 5, 6, 9, 49)) == reminders.ReminderRun()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due_reminders(now=at(2030, 5, 6, 9, 50)) == reminders.ReminderRun(emailed=1)
    activity.refresh_from_db()
    assert (activity.reminder_email, activity.reminder_email_attempts) == ("sent", 2)
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_three_smtp_errors_give_up(rep, zhang, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    activity = planned_call(rep, zhang)
    start = at(2030, 5, 6, 9, 45)
    for minutes in (0, 5, 10, 15, 20):
        send_due_reminders(now=start + datetime.timedelta(minutes=minutes))
    activity.refresh_from_db()
    assert (activity.reminder_email, activity.reminder_email_attempts) == ("failed", 3)


# --- a real SMTP exchange --------------------------------------------------------------------


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: Any = self.server
        self.reply("220 test.example ESMTP")
        envelope: dict[str, Any] = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-test.example")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                envelope["from"] = command[10:]
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["rcpt"].append(command[8:])
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk == b".\r\n":
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                envelope["data"] = data
                server.received.append(dict(envelope))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server(settings) -> Iterator[list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    server: Any = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.server_address[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server.received
    server.shutdown()
    server.server_close()


def test_a_real_smtp_server_receives_one_well_formed_message_in_chinese(
    smtp_server, make_staff, zhang
):  # type: ignore[no-untyped-def]
    wang = make_staff("sales", username="wang", email="wang@example.cn", language="zh-hans")
    with time_machine.travel(at(2030, 5, 6, 8, 0), tick=False):
        plan(
            wang,
            kind="meeting",
            subject="拜访张伟：试穿新款跑鞋",
            customer=zhang,
            due_at=at(2030, 5, 6, 14, 0),
            remind_minutes_before=60,
            location="南京东路店",
            notes="带上43码。" * 3,
        )
    send_due_reminders(now=at(2030, 5, 6, 13, 0))
    send_due_reminders(now=at(2030, 5, 6, 13, 1))  # a second run sends nothing more

    (received,) = smtp_server
    assert received["from"] == "<heartline@example.com>"
    assert received["rcpt"] == ["<wang@example.cn>"]
    raw: bytes = received["data"]
    head, _, body = raw.partition(b"\r\n\r\n")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    head.decode("ascii")  # RFC 5322 headers are 7-bit: Chinese is in encoded words
    unfolded = head.replace(b"\r\n ", b" ").split(b"\r\n")
    (subject_line,) = [line for line in unfolded if line.startswith(b"Subject:")]
    assert b"=?utf-8?b?" in subject_line  # RFC 2047 encoded words

    message = email.message_from_bytes(raw, policy=email.policy.default)
    # Django's encoder may fold right after "Subject:"; the folding white space is not text.
    assert message["Subject"].lstrip() == "提醒：2030-05-06 14:00 拜访张伟：试穿新款跑鞋"
    assert message["From"] == "Heartline <heartline@example.com>"
    assert message["To"] == "wang@example.cn"
    assert message["Content-Language"] == "zh-Hans"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["MIME-Version"] == "1.0"
    assert message["Date"] is not None
    assert message["Message-ID"].endswith(">")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "8bit"
    assert body.decode("utf-8").startswith("会议: 拜访张伟：试穿新款跑鞋\r\n")
    assert message.get_content() == (  # CRLF on the wire
        "会议: 拜访张伟：试穿新款跑鞋\r\n"
        "时间：2030-05-06 14:00（Asia/Shanghai）\r\n"
        "客户：张伟\r\n"
        "地点：南京东路店\r\n"
        "\r\n"
        "带上43码。带上43码。带上43码。\r\n"
        "\r\n"
        "在 Heartline 中查看“我的一天”：https://crm.example.com/activities/\r\n"
    )
    assert Notification.objects.get().recipient == wang
