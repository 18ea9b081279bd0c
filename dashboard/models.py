"""Pinned charts: a chart's canonical state and its rows, frozen when someone shared it."""

import base64
import hashlib
import json

from django.db import models
from django.urls import reverse


def pin_id(query_string: str, data: dict) -> str:
    """12 characters of a SHA-256 of the state and its rows: the same chart pins to one id."""
    payload = json.dumps({"state": query_string, "data": data}, sort_keys=True, default=str)
    digest = hashlib.sha256(payload.encode()).digest()
    return base64.b32encode(digest).decode()[:12].lower()


class PinnedChart(models.Model):
    """A shared chart. Never updated after creation, except for its rendered image."""

    id = models.CharField(primary_key=True, max_length=12, editable=False)
    query_string = models.CharField(max_length=1000, help_text="Canonical state (v=1).")
    data = models.JSONField(help_text="The ChartData (rows, title, sources) at pin time.")
    data_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    image = models.BinaryField(null=True, blank=True, help_text="1200x630 PNG, or null.")
    image_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.id}: {self.data.get('title', '')}"

    def get_absolute_url(self):
        return reverse("dashboard:pinned", args=[self.id])
