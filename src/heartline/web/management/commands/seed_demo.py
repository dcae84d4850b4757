from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from heartline.demo.activities import seed_activities
from heartline.demo.customers import seed_customers
from heartline.demo.orders import seed_orders
from heartline.demo.sales import seed_sales
from heartline.demo.seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create deterministic bilingual demo data (staff in every role, teams, …)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--agents", type=int, default=8, help="extra agents (default 8)")
        parser.add_argument("--customers", type=int, default=0, help="customers to add (default 0)")
        parser.add_argument(
            "--interactions", type=int, default=5, help="mean interactions per customer (default 5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_demo(seed=options["seed"], extra_agents=options["agents"])
        self.stdout.write(
            f"Demo data: {len(report.staff_created)} staff and {report.teams_created} teams "
            f"created (password for every demo account: {DEMO_PASSWORD})."
        )
        if options["customers"] > 0:
            made = seed_customers(
                count=options["customers"],
                seed=options["seed"],
                interactions_per_customer=options["interactions"],
            )
            self.stdout.write(
                f"Demo customers: {made.customers} customers, {made.identities} identities, "
                f"{made.interactions} interactions."
            )
            deals = seed_sales(seed=options["seed"])  # deals need the customers made just now
            self.stdout.write(f"Demo deals: {deals.deals} deals.")
            # Activities, quotes and orders are about the customers and deals made just now.
            activities = seed_activities()
            orders = seed_orders(seed=options["seed"])
            self.stdout.write(
                f"Demo activities: {activities}; demo orders: {orders.orders}, "
                f"quotes: {orders.quotes}."
            )
