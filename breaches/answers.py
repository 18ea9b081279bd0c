"""Who answers: each force's answer to each public dataset, with where the answer was read.

A return's status (disclosed, not disclosed, refused, no response, not held) is set by the
importer from the force's published figures (imports/saving.py, `refresh_returns`); a
(dataset, force) pair with no return is "no figure found": we hold no answer, which is not
a refusal and not zero. Synthetic datasets are never listed (Dataset.objects.public()).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .models import Dataset, Figure, Force, Return, Source
from .vocabularies import RETURN_STATUSES

NO_FIGURE = "no-figure"
STATUS_LABELS = {**dict(RETURN_STATUSES.choices), NO_FIGURE: "No figure found"}
# Answers that leave the public without a figure although a request was made: refusals,
# withheld figures and silence. "Not held" is an answer (the force says it has no record),
# and "no figure found" is our gap, not the force's.
UNANSWERED = ("refused", "not-disclosed", "no-response")


@dataclass(frozen=True)
class Answer:
    """One force's answer to one dataset; `source` is where the status was read (None for a
    case list with no published figure, and for "no figure found")."""

    dataset: Dataset
    force: Force
    status: str
    foia_section: str = ""
    caveat: str = ""
    source: Source | None = None
    note: str = ""  # the note on the figure that carries the status (often the force's words)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def answers(force: Force | None = None) -> list[Answer]:
    """Every (public dataset, force) pair, or one force's, newest dataset first, forces by name."""
    datasets = list(Dataset.objects.public().order_by("-published_on", "slug"))
    forces = [force] if force else list(Force.objects.order_by("name"))
    pairs = Return.objects.filter(dataset__in=datasets, force__in=forces)
    returns = {(r.dataset_id, r.force_id): r for r in pairs}
    evidence = _status_figures(datasets, forces, returns)
    rows = []
    for dataset in datasets:
        for each in forces:
            answer = returns.get((dataset.pk, each.pk))
            if answer is None:
                rows.append(Answer(dataset, each, NO_FIGURE))
                continue
            figure = evidence.get((dataset.pk, each.pk))
            rows.append(
                Answer(
                    dataset,
                    each,
                    answer.status,
                    answer.foia_section,
                    answer.caveat,
                    figure.source if figure else None,
                    figure.note if figure else "",
                )
            )
    return rows


def _status_figures(datasets, forces, returns) -> dict[tuple[int, int], Figure]:
    """(dataset id, force id) -> the published figure that carries the return's status.

    The force's total for the dataset is what sets the status (refresh_returns), so its source
    is preferred; a force that published only breakdowns is sourced by its first breakdown.
    """
    figures = (
        Figure.objects.filter(dataset__in=datasets, force__in=forces)
        .select_related("source")
        .order_by("dataset_id", "force_id", "-period_end", "category", "outcome", "role")
    )
    best: dict[tuple[int, int], tuple[int, Figure]] = {}
    for figure in figures:
        pair = (figure.dataset_id, figure.force_id)
        answer = returns.get(pair)
        is_total = figure.category is None and figure.outcome is None and figure.role is None
        matches = answer is not None and figure.status == answer.status
        score = 2 * matches + is_total  # a total with the return's status first
        if pair not in best or score > best[pair][0]:
            best[pair] = (score, figure)
    return {pair: figure for pair, (_, figure) in best.items()}


def counts_by_force(rows: list[Answer]) -> list[dict]:
    """Per force: how many datasets it answered with each status, and how many it left
    unanswered (refused, withheld or no response). Keys: force, each status code, unanswered."""
    tallies: dict[int, Counter] = {}
    forces: dict[int, Force] = {}
    for answer in rows:
        forces[answer.force.pk] = answer.force
        tallies.setdefault(answer.force.pk, Counter())[answer.status] += 1
    return [
        {
            "force": forces[pk],
            **{code: tally[code] for code in STATUS_LABELS},
            "unanswered": sum(tally[code] for code in UNANSWERED),
        }
        for pk, tally in tallies.items()
    ]
