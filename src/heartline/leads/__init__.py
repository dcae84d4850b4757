"""Leads from web forms, chat, import, API and by hand; scoring, assignment, conversion."""
