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
]
