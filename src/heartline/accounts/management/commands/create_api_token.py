"""``manage.py create_api_token USERNAME [--name NAME]``: print a new API token, only the token."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from heartline.accounts.models import User
from heartline.accounts.services import api_token_create
from heartline.core import context


class Command(BaseCommand):
    help = "Create an API token for an active staff member and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="a label for the token")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active staff member with username {options['username']!r}.")
        with context.acting(channel="cli"):
            try:
                _token, secret = api_token_create(actor=None, user=user, name=options["name"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(secret)
