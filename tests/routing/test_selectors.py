"""routing.selectors: the one definition of a group's first-response target (SLA)."""

from __future__ import annotations

import pytest

from routing.models import DEFAULT_SLA_TARGET_S, Group
from routing.selectors import group_sla_target_s
from tests import factories


@pytest.mark.django_db
def test_a_group_is_held_to_its_own_first_response_target() -> None:
    group = factories.GroupFactory(sla_target_s=120)

    assert group_sla_target_s(group) == 120


@pytest.mark.django_db
def test_a_new_group_gets_the_default_target_of_sixty_seconds() -> None:
    group = Group.objects.create(name="Fresh")

    assert group.sla_target_s == DEFAULT_SLA_TARGET_S == 60
    assert group_sla_target_s(group) == 60


def test_a_target_read_from_a_row_counts_and_no_group_means_the_default() -> None:
    assert group_sla_target_s(300) == 300
    assert group_sla_target_s(None) == DEFAULT_SLA_TARGET_S
