"""``{% board_visible user as show_board %}``: whether to link the routing board (admins
and group supervisors), for project pages that cannot import ``routing``."""

from __future__ import annotations

from typing import Any

from django import template

from routing import board_selectors

register = template.Library()


@register.simple_tag
def board_visible(user: Any) -> bool:
    return board_selectors.board_user_may_see(user=user)
