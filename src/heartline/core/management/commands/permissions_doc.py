from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from heartline.core.permissions import matrix_markdown


class Command(BaseCommand):
    help = "Write docs/permissions.md from the permission matrix (--check: fail if it differs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.PROJECT_DIR) / "docs" / "permissions.md"
        text = matrix_markdown()
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date: run manage.py permissions_doc")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
