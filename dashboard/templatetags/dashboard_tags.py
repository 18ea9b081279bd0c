from django import template

from dashboard.charts.builders import human_date as _human_date

from ..sources import UPLOADED, is_public, source_html

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def human_date(value):
    """An ISO date (as chart rows carry them) as a person reads it: "1 Jun 2011"."""
    return _human_date(value)


@register.simple_tag
def source_link(title, url, publisher="", why=UPLOADED):
    """{% source_link source.title source.url %}: dashboard/sources.py."""
    return source_html(title, url, publisher, why)


register.filter("is_public", is_public)
