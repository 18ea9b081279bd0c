"""Query-string forms: each public page parses request.GET with one of these."""

import datetime as dt

from django import forms

from breaches.queries import Period


class PeriodField(forms.CharField):
    """A period written as `2011-06-01~2015-12-31` (`~` survives social networks' mangling)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if len(value) > 21:
            raise forms.ValidationError("A period is two dates: YYYY-MM-DD~YYYY-MM-DD.")
        try:
            start, end = (dt.date.fromisoformat(part) for part in value.split("~"))
        except ValueError:
            raise forms.ValidationError(
                "Write the period as YYYY-MM-DD~YYYY-MM-DD, for example 2011-06-01~2015-12-31."
            ) from None
        if start > end:
            raise forms.ValidationError("The period ends before it starts.")
        return Period(start, end)
