from django.urls import path

from routing import views

app_name = "routing"

urlpatterns = [
    path("board/", views.board_page, name="board"),
]
