"""Where in the incidents list a reader is: a key to start after or before, or a page."""

from django import forms

from . import keyset

PER_PAGE = 50
MAX_PER_PAGE = 200


class PositionField(forms.Field):
    def to_python(self, value):
        if not value:
            return None
        if len(value) > 600:
            raise forms.ValidationError("not a position in this list; it is far too long.")
        try:
            return keyset.decode(value)
        except ValueError as error:
            raise forms.ValidationError(
                "not a position in this list; follow the Next and Previous links."
            ) from error


class PageField(forms.Field):
    """'last', or a page number from a link made before keyset paging (up to 1,000)."""

    def to_python(self, value):
        if not value:
            return None
        if value == "last":
            return value
        if not value.isdigit() or int(value) < 1:
            raise forms.ValidationError("use a page number of at least 1, or last.")
        if len(value) > 6 or int(value) > keyset.MAX_NUMBERED_PAGE:
            raise forms.ValidationError(
                f"pages past {keyset.MAX_NUMBERED_PAGE:,} are reached with the Next and Last "
                "links, or by narrowing the filters."
            )
        return int(value)


class PageForm(forms.Form):
    after = PositionField(required=False)
    before = PositionField(required=False)
    page = PageField(required=False)
    per_page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PER_PAGE,
        error_messages={
            # Many rows at once are what the (rate-limited) downloads are for.
            "max_value": f"at most {MAX_PER_PAGE} rows a page; download for more.",
            "min_value": "use a whole number of at least 1.",
            "invalid": "use a whole number of at least 1.",
        },
    )

    def clean(self):
        data = super().clean()
        given = [name for name in ("after", "before", "page") if data.get(name)]
        if len(given) > 1:
            self.add_error(given[-1], f"use only one of {' and '.join(given)}.")
        return data
