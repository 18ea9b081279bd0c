from django import template

from dashboard.charts.builders import human_date as _human_date

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def human_date(value):
    """An ISO date (as chart rows carry them) as a person reads it: "1 Jun 2011"."""
    return _human_date(value)
