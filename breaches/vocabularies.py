"""The public vocabularies (docs/design.md section 3): codes, labels, outcome groups, synonyms.

Codes are a public contract: they appear in upload files and in URLs, so they live here in
code (changing one needs a migration for stored rows and a redirect for old links), and the
database checks every stored value against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    group: str | None = None  # outcomes only: the code of the group this outcome belongs to


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # text as written -> code or None: a million-row import repeats the same few spellings.
    _resolved: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for term in self.terms:
            for spelling in (term.code, term.label, *term.synonyms):
                self._lookup[normalise(spelling)] = term.code

    @property
    def codes(self) -> list[str]:
        return [term.code for term in self.terms]

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(term.code, term.label) for term in self.terms]

    def get(self, code: str) -> Term:
        return next(term for term in self.terms if term.code == code)

    def label(self, code: str | None) -> str:
        return self.get(code).label if code else "All"

    def resolve(self, text: str) -> str | None:
        """The code for a code, label or synonym in any case and spacing; None if unknown."""
        try:
            return self._resolved[text]
        except KeyError:
            if len(self._resolved) > 10_000:
                self._resolved.clear()
            code = self._resolved[text] = self._lookup.get(normalise(text))
            return code


def normalise(text: str) -> str:
    """Lower case, with runs of spaces, hyphens and underscores folded into one hyphen."""
    return re.sub(r"[\s_\-]+", "-", text.strip().lower())


CATEGORIES = Vocabulary(
    "category",
    (
        Term(
            "unauthorised-access",
            "Unauthorised access",
            "Accessed without a policing purpose.",
            ("unauthorized access", "inappropriate access", "misuse of systems"),
        ),
        Term(
            "third-party-disclosure",
            "Disclosure to third parties",
            "Information disclosed to someone outside the force.",
            ("disclosure", "disclosure to third party", "unauthorised disclosure"),
        ),
        Term(
            "pnc-misuse",
            "Police National Computer misuse",
            "Misuse of the Police National Computer.",
            ("pnc", "police national computer"),
        ),
        Term(
            "loss-or-theft",
            "Loss or theft",
            "Data or devices lost or stolen.",
            ("loss", "theft", "lost", "stolen"),
        ),
        Term(
            "misdirected",
            "Sent to the wrong recipient",
            "Email, letter or fax sent to the wrong recipient.",
            ("wrong recipient", "misdirected email", "sent to wrong address"),
        ),
        Term(
            "insecure-handling",
            "Insecure handling",
            "Insecure storage, transfer or disposal.",
            ("insecure storage", "insecure disposal", "insecure transfer"),
        ),
        Term("other", "Other", "Any other kind of breach.", ("other breach",)),
    ),
)

OUTCOME_GROUPS = Vocabulary(
    "outcome group",
    (
        Term("no-formal-action", "No formal action", synonyms=("no disciplinary action",)),
        Term("disciplinary-action", "Disciplinary action", synonyms=("disciplinary",)),
        Term(
            "resigned-or-dismissed", "Resigned or dismissed", synonyms=("resignation or dismissal",)
        ),
        Term("criminal-sanction", "Criminal sanction", synonyms=("conviction or caution",)),
        Term("other-outcome", "Other outcome"),
    ),
)

DETAILED_OUTCOMES = Vocabulary(
    "outcome",
    (
        Term("no-action", "No action", group="no-formal-action", synonyms=("nfa",)),
        Term(
            "management-action",
            "Management action",
            group="no-formal-action",
            synonyms=("words of advice", "management advice", "advice"),
        ),
        Term("not-proven", "Not proven", group="no-formal-action", synonyms=("unsubstantiated",)),
        Term(
            "warning",
            "Warning",
            group="disciplinary-action",
            synonyms=("verbal warning", "written warning", "verbal or written warning"),
        ),
        Term("final-written-warning", "Final written warning", group="disciplinary-action"),
        Term(
            "disciplined",
            "Disciplined (unspecified)",
            group="disciplinary-action",
            synonyms=("disciplined internally",),
        ),
        Term("resigned", "Resigned", group="resigned-or-dismissed", synonyms=("resignation",)),
        Term(
            "dismissed",
            "Dismissed",
            group="resigned-or-dismissed",
            synonyms=("employment terminated", "sacked", "dismissal"),
        ),
        Term("caution", "Caution", group="criminal-sanction", synonyms=("cautioned",)),
        Term("conviction", "Conviction", group="criminal-sanction", synonyms=("convicted",)),
        Term("retired", "Retired", group="other-outcome"),
        Term(
            "ongoing", "Ongoing", group="other-outcome", synonyms=("pending", "under investigation")
        ),
        Term("not-recorded", "Not recorded", group="other-outcome", synonyms=("unknown",)),
    ),
)

# A figure may count at either level, so the stored outcome is a group or a detailed outcome.
OUTCOMES = Vocabulary("outcome", OUTCOME_GROUPS.terms + DETAILED_OUTCOMES.terms)

ROLES = Vocabulary(
    "role",
    (
        Term("officer", "Police officer", synonyms=("officers", "police officer")),
        Term("staff", "Police staff", synonyms=("police staff", "civilian", "civilian staff")),
        Term("pcso", "PCSO", synonyms=("police community support officer",)),
        Term("special-constable", "Special constable", synonyms=("special", "specials")),
        Term("volunteer", "Volunteer", synonyms=("police volunteer",)),
        Term("contractor", "Contractor", synonyms=("contract staff",)),
    ),
)

RETURN_STATUSES = Vocabulary(
    "status",
    (
        Term("disclosed", "Disclosed"),
        Term("not-disclosed", "Not disclosed", synonyms=("withheld", "did not disclose")),
        Term("refused", "Refused", "Refused under a section of the FOI Act.", ("exempt",)),
        Term("no-response", "No response", synonyms=("no reply", "did not respond")),
        Term("not-held", "Not held", synonyms=("information not held",)),
    ),
)

UNITS = Vocabulary(
    "unit",
    (
        Term("breaches", "Breaches", synonyms=("breach", "cases", "incidents")),
        Term("allegations", "Allegations"),
        Term("people", "People", synonyms=("persons", "individuals")),
    ),
)

# What a workforce row counts, all full-time equivalent at a date (fixtures/workforce.csv,
# from the Home Office police workforce tables). Rates per 1,000 officers read only
# officers-fte. Designated officers are police staff with police powers: the Home Office's
# "police staff and designated officers" line is staff-fte plus designated-fte.
WORKFORCE_MEASURES = Vocabulary(
    "measure",
    (
        Term("officers-fte", "Police officers", "Police officers, full-time equivalent."),
        Term("staff-fte", "Police staff", "Police staff, full-time equivalent."),
        Term("pcso-fte", "PCSOs", "Police community support officers, full-time equivalent."),
        Term(
            "designated-fte",
            "Designated officers",
            "Police staff with police powers (s.38/s.39), full-time equivalent, counted apart "
            "from police staff.",
        ),
    ),
)


def outcomes_in_group(group: str) -> list[str]:
    """The detailed outcome codes that make up an outcome group."""
    return [term.code for term in DETAILED_OUTCOMES.terms if term.group == group]


def group_of(outcome: str) -> str | None:
    """The group of a detailed outcome; None for a group code itself."""
    return OUTCOMES.get(outcome).group
