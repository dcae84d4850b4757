from django.urls import path

from heartline.web.views import auth, home, tasks

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("tasks/", tasks.tasks_page, name="tasks"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
]
