from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_page, name="summary"),
    path("wallboard/", views.wallboard_page, name="wallboard"),
    path("mine/", views.mine_page, name="mine"),
]
