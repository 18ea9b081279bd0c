"""Fixtures of the importer's tests."""

import pytest
from django.contrib.auth.models import Group, User


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Data editors"))
    client.force_login(user)
    return user
