from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("leads/", views.leads_page, name="leads"),
    path("leads/<int:lead_id>/", views.lead_page, name="lead"),
    path("board/", views.board_page, name="board"),
    path("tasks/", views.tasks_page, name="tasks"),
]
