from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "heartline.leads"
    label = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from heartline.customers.merge import register_movable
        from heartline.leads.selectors import leads_of_customer
        from heartline.timeline.selectors import SECTIONS

        # A merge moves the duplicate's leads to the survivor (and an undo moves them back).
        register_movable("leads.Lead", "customer")
        SECTIONS["leads"] = leads_of_customer
