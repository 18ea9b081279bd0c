"""Suggest the known force an unknown name in an upload most likely means.

FOI spreadsheets and newsrooms write forces as "Met Police", "MPS", "Herts Police" or
"Devon and Cornwall Constabulary". Comparing those raw with official names finds the wrong
force ("Met Police" looks like "Kent Police": both end in Police). So names are first brought
to a canonical form: the words every force shares are dropped, county abbreviations and the
initialisms in use are spelt out. Only then are they compared, fuzzily, with the canonical
form of every name, short name and alias (rapidfuzz: chosen over pg_trgm by measuring,
docs/decisions/0006-force-name-suggestions.md).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process, utils

# Words that tell no force from another: "Kent Police" and "Kent Constabulary" are one force.
SHARED_WORDS = frozenset(
    {
        *("police", "constabulary", "constab", "service", "services", "force", "forces"),
        *("the", "of", "and", "pd", "department", "dept", "county"),
    }
)
# The usual short forms of counties and compass points in force names.
ABBREVIATIONS = {
    "beds": "bedfordshire",
    "cambs": "cambridgeshire",
    "derbys": "derbyshire",
    "glos": "gloucestershire",
    "gloucs": "gloucestershire",
    "hants": "hampshire",
    "herts": "hertfordshire",
    "lancs": "lancashire",
    "leics": "leicestershire",
    "lincs": "lincolnshire",
    "mids": "midlands",
    "northants": "northamptonshire",
    "notts": "nottinghamshire",
    "staffs": "staffordshire",
    "warks": "warwickshire",
    "wilts": "wiltshire",
    "yorks": "yorkshire",
    "manc": "manchester",
    "met": "metropolitan",
    "n": "north",
    "s": "south",
    "w": "west",
}
# Initialisms used for whole force names, in FOI replies and in the press.
INITIALISMS = {
    "mps": "metropolitan",
    "mpd": "metropolitan",
    "gmp": "greater manchester",
    "psni": "northern ireland",
    "ruc": "northern ireland",
    "btp": "british transport",
    "mdp": "ministry defence",
    "mod": "ministry defence",
    "cnc": "civil nuclear",
    "wmp": "west midlands",
    "tvp": "thames valley",
    "nyp": "north yorkshire",
    "syp": "south yorkshire",
    "wyp": "west yorkshire",
    "col": "city london",
    "colp": "city london",
    "dc": "devon cornwall",
    "d c": "devon cornwall",
    "a s": "avon somerset",
}
CUTOFF = 60  # below this score a name is not offered at all ("Narnia" is no force)


def canonical(name: str) -> str:
    """The words of a force name that identify it, spelt out: 'Herts Police' -> 'hertfordshire'."""
    folded = name.casefold().replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", folded).split()
    whole = " ".join(w for w in words if w not in SHARED_WORDS)
    if whole in INITIALISMS:
        return INITIALISMS[whole]
    spelt = []
    for word in words:
        word = INITIALISMS.get(word, ABBREVIATIONS.get(word, word))
        spelt += [w for w in word.split() if w not in SHARED_WORDS]
    return " ".join(spelt)


class ForceMatcher:
    """Ranks known forces for an unknown name; each distinct name is ranked once."""

    def __init__(self, spellings: dict[str, str], names: dict[str, str]):
        """`spellings`: any name, short name, slug or alias -> force slug; `names`: slug -> name."""
        self.names = names
        self.choices: list[str] = []
        self.slugs: list[str] = []
        for spelling, slug in spellings.items():
            key = canonical(spelling)
            if key:
                self.choices.append(key)
                self.slugs.append(slug)
        self._ranked: dict[str, tuple[str, ...]] = {}

    def nearest(self, name: str, limit: int = 3) -> tuple[str, ...]:
        """Official names of the forces `name` most likely means, best first."""
        key = canonical(name)
        if key not in self._ranked:
            self._ranked[key] = self._rank(key)
        return self._ranked[key][:limit]

    def _rank(self, key: str) -> tuple[str, ...]:
        if not key:
            return ()
        best: dict[str, float] = {}
        for _, score, index in process.extract(
            key,
            self.choices,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            limit=30,
            score_cutoff=CUTOFF,
        ):
            slug = self.slugs[index]
            # An exact canonical match beats any fuzzy one ("metropolitan" over "met...").
            score += 100 if self.choices[index] == key else 0
            best[slug] = max(best.get(slug, 0), score)
        ranked = sorted(best, key=lambda slug: (-best[slug], self.names[slug]))
        if ranked and best[ranked[0]] > 100:  # an exact match: fuzzy look-alikes only distract
            ranked = [slug for slug in ranked if best[slug] > 100]
        return tuple(self.names[slug] for slug in ranked[:5])
