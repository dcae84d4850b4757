from django.urls import path

from heartline.web.views import (
    audit,
    auth,
    home,
    notifications,
    search,
    security,
    staff,
    tasks,
    tokens,
)
from heartline.web.views.activities import urls as activity_urls
from heartline.web.views.catalogue import urls as catalogue_urls
from heartline.web.views.customers import (
    contacts,
    desk,
    duplicate_pairs,
    merging,
    profile,
    transfer,
)
from heartline.web.views.leads import urls as lead_urls
from heartline.web.views.orders import urls as order_urls
from heartline.web.views.sales import urls as sales_urls

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("tasks/", tasks.tasks_page, name="tasks"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff.staff_edit, name="staff_edit"),
    path("audit/", audit.audit_list, name="audit"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("search/", search.search, name="search"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/badge/", notifications.notification_badge, name="notifications_badge"),
    path("notifications/panel/", notifications.notification_panel, name="notifications_panel"),
    path(
        "notifications/read-all/",
        notifications.notification_read_all,
        name="notifications_read_all",
    ),
    path("account/two-factor/", security.two_factor, name="two_factor"),
    path("customers/", desk.customer_list, name="customers"),
    path("customers/new/", desk.customer_create, name="customer_create"),
    path("customers/import/", transfer.import_upload, name="customer_import"),
    path("customers/import/review/", transfer.import_review, name="customer_import_review"),
    path("customers/import/run/", transfer.import_run, name="customer_import_run"),
    path("customers/import/cancel/", transfer.import_cancel, name="customer_import_cancel"),
    path("customers/export/", transfer.export, name="customer_export"),
    path("customers/duplicates/", duplicate_pairs.pair_list, name="customer_duplicate_pairs"),
    path(
        "customers/duplicates/<int:pair_id>/dismiss/",
        duplicate_pairs.pair_dismiss,
        name="customer_duplicate_dismiss",
    ),
    path("customers/<int:customer_id>/", desk.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/notes/", desk.note_add, name="customer_note_add"),
    path(
        "customers/<int:customer_id>/interactions/",
        desk.interaction_add,
        name="customer_interaction_add",
    ),
    path("customers/<int:customer_id>/timeline/", desk.timeline_more, name="customer_timeline"),
    # The desk's inline editors (views/customers/profile.py, contacts.py): GET opens, POST writes.
    path("customers/<int:customer_id>/profile/", profile.profile_edit, name="customer_profile"),
    path(
        "customers/<int:customer_id>/preferences/",
        profile.preferences_edit,
        name="customer_preferences",
    ),
    path("customers/<int:customer_id>/consent/", profile.consent_record, name="customer_consent"),
    path("customers/<int:customer_id>/moments/", profile.moment_add, name="customer_moments"),
    path(
        "customers/<int:customer_id>/moments/<int:moment_id>/remove/",
        profile.moment_remove,
        name="customer_moment_remove",
    ),
    path(
        "customers/<int:customer_id>/identities/", contacts.identity_add, name="customer_identities"
    ),
    path(
        "customers/<int:customer_id>/identities/<int:identity_id>/remove/",
        contacts.identity_remove,
        name="customer_identity_remove",
    ),
    path("customers/<int:customer_id>/addresses/", contacts.address_add, name="customer_addresses"),
    path(
        "customers/<int:customer_id>/addresses/<int:address_id>/",
        contacts.address_edit,
        name="customer_address_edit",
    ),
    path(
        "customers/<int:customer_id>/addresses/<int:address_id>/remove/",
        contacts.address_remove,
        name="customer_address_remove",
    ),
    path(
        "customers/<int:customer_id>/relations/", contacts.relation_add, name="customer_relations"
    ),
    path(
        "customers/<int:customer_id>/relations/candidates/",
        contacts.relation_candidates,
        name="customer_relation_candidates",
    ),
    path(
        "customers/<int:customer_id>/relations/<int:relation_id>/remove/",
        contacts.relation_remove,
        name="customer_relation_remove",
    ),
    path("customers/<int:customer_id>/live/", desk.customer_live, name="customer_live"),
    path(
        "customers/<int:customer_id>/duplicates/",
        merging.duplicates,
        name="customer_duplicates",
    ),
    path(
        "customers/<int:customer_id>/merge/<int:other_id>/",
        merging.merge,
        name="customer_merge",
    ),
    path("merges/<int:merge_id>/undo/", merging.merge_undo_view, name="merge_undo"),
]

# Each sales area keeps its own URL list (same "web" namespace).
urlpatterns += catalogue_urls.urlpatterns
urlpatterns += sales_urls.urlpatterns
urlpatterns += lead_urls.urlpatterns
urlpatterns += activity_urls.urlpatterns
urlpatterns += order_urls.urlpatterns
