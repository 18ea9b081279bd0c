"""Load the reference files in fixtures/ (forces, aliases, datasets, workforce, ICO actions).

They are read with the same parser as uploads and upserted on their natural keys, so
loading twice changes nothing. Figures and incidents go through the importer proper.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction

from ..models import Dataset, EnforcementAction, Force, ForceAlias, Workforce
from ..versions import data_changed
from ..vocabularies import UNITS, WORKFORCE_MEASURES
from . import cells
from .reference import Reference
from .tabular import RowError, read_table


class ReferenceDataError(Exception):
    def __init__(self, path: Path, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{path.name}: " + "; ".join(str(e) for e in errors))


def _rows(path: Path, required: tuple[str, ...]):
    table = read_table(path.read_bytes(), path.name)
    missing = [c for c in required if c not in table.header]
    if missing:
        raise ReferenceDataError(path, [RowError(1, missing[0], "", "missing column")])
    return [(n, {k: cells.text(v) for k, v in values.items()}) for n, values in table.rows]


def _upsert(model, lookup: dict, defaults: dict) -> str:
    _, created = model.objects.update_or_create(**lookup, defaults=defaults)
    return "created" if created else "seen"


def load_forces(path: Path) -> int:
    columns = ("slug", "name", "short_name", "kind", "nation", "region", "ons_code", "police_uk_id")
    for _, row in _rows(path, columns[:4]):
        _upsert(Force, {"slug": row["slug"]}, {c: row.get(c, "") for c in columns[1:]})
    return Force.objects.count()


def load_aliases(path: Path) -> int:
    forces = dict(Force.objects.values_list("slug", "id"))
    errors = []
    for number, row in _rows(path, ("force", "alias")):
        if row["force"] not in forces:
            errors.append(RowError(number, "force", row["force"], "unknown force slug"))
            continue
        existing = ForceAlias.objects.filter(alias__iexact=row["alias"]).first()
        alias = existing or ForceAlias(alias=row["alias"])
        alias.force_id, alias.note = forces[row["force"]], row.get("why", "")
        alias.save()
    if errors:
        raise ReferenceDataError(path, errors)
    return ForceAlias.objects.count()


def load_datasets(path: Path) -> int:
    required = (
        "slug",
        "title",
        "publisher",
        "published_on",
        "period_start",
        "period_end",
        "unit",
        "definition",
        "url",
    )
    for number, row in _rows(path, required):
        unit = UNITS.resolve(row["unit"])
        if unit is None:
            raise ReferenceDataError(path, [RowError(number, "unit", row["unit"], "unknown unit")])
        _upsert(
            Dataset,
            {"slug": row["slug"]},
            {
                "title": row["title"],
                "publisher": row["publisher"],
                "published_on": cells.date(row["published_on"]),
                "period_start": cells.date(row["period_start"]),
                "period_end": cells.date(row["period_end"]),
                "unit": unit,
                "definition": row["definition"],
                "url": row["url"],
                "caveat": row.get("caveat", ""),
            },
        )
    return Dataset.objects.count()


def load_denominators(path: Path) -> int:
    """Which rate per 1,000 fits each dataset (officers, or the whole workforce), and why.

    Optional: a folder without the file leaves every dataset's denominator as it is.
    """
    if not path.exists():
        return Dataset.objects.filter(denominator="workforce").count()
    datasets = dict(Dataset.objects.values_list("slug", "id"))
    codes = [code for code, _ in Dataset.DENOMINATORS]
    errors = []
    for number, row in _rows(path, ("dataset", "denominator", "why")):
        if row["dataset"] not in datasets:
            errors.append(RowError(number, "dataset", row["dataset"], "unknown dataset"))
        elif row["denominator"] not in codes:
            errors.append(
                RowError(number, "denominator", row["denominator"], f"use {' or '.join(codes)}")
            )
        else:
            Dataset.objects.filter(slug=row["dataset"]).update(
                denominator=row["denominator"], denominator_reason=row["why"]
            )
    if errors:
        raise ReferenceDataError(path, errors)
    return Dataset.objects.filter(denominator="workforce").count()


def load_workforce(path: Path) -> int:
    """Officers, staff, PCSOs and designated officers (FTE) per force and date."""
    forces = dict(Force.objects.values_list("slug", "id"))
    errors = []
    for number, row in _rows(path, ("force", "as_of", "measure", "value", "source")):
        measure = WORKFORCE_MEASURES.resolve(row["measure"])
        if row["force"] not in forces:
            errors.append(RowError(number, "force", row["force"], "unknown force"))
        elif measure is None:
            known = ", ".join(WORKFORCE_MEASURES.codes)
            errors.append(
                RowError(number, "measure", row["measure"], f"unknown measure (known: {known})")
            )
        else:
            _upsert(
                Workforce,
                {
                    "force_id": forces[row["force"]],
                    "as_of": cells.date(row["as_of"]),
                    "measure": measure,
                },
                {"value": cells.decimal(row["value"]), "source": row["source"]},
            )
    if errors:
        raise ReferenceDataError(path, errors)
    return Workforce.objects.count()


def partial_date(value: str) -> tuple[dt.date, str]:
    """'2012-10-05', '2012-10' or '2012' -> (first day, precision)."""
    parts = value.strip().split("-")
    if len(parts) == 1:
        return dt.date(int(parts[0]), 1, 1), "year"
    if len(parts) == 2:
        return dt.date(int(parts[0]), int(parts[1]), 1), "month"
    return cells.date(value), "day"


def load_enforcement_actions(path: Path) -> int:
    reference = Reference.load()
    errors = []
    for number, row in _rows(path, ("force", "date", "action", "summary", "source")):
        slug = reference.force(row["force"])
        if slug is None:
            errors.append(
                RowError(
                    number,
                    "force",
                    row["force"],
                    "unknown force",
                    reference.nearest_forces(row["force"]),
                )
            )
            continue
        date, precision = partial_date(row["date"])
        _upsert(
            EnforcementAction,
            {"force": Force.objects.get(slug=slug), "date": date, "action": row["action"]},
            {
                "date_precision": precision,
                "date_note": row.get("date_note", ""),
                "amount_gbp": cells.decimal(row.get("amount_gbp")),
                "summary": row["summary"],
                "source": row["source"],
                "url": row.get("url", ""),
            },
        )
    if errors:
        raise ReferenceDataError(path, errors)
    return EnforcementAction.objects.count()


def load_returns(path: Path) -> int:
    """What is known about individual forces' answers: a different unit or definition, a caveat.

    Runs after the figures (whose import creates the returns); a row for a force with no
    return yet creates one, as disclosed.
    """
    from ..models import Return

    reference = Reference.load()
    datasets = dict(Dataset.objects.values_list("slug", "id"))
    errors = []
    for number, row in _rows(path, ("dataset", "force")):
        slug = reference.force(row["force"])
        unit = UNITS.resolve(row["unit"]) if row.get("unit") else ""
        if row["dataset"] not in datasets:
            errors.append(RowError(number, "dataset", row["dataset"], "unknown dataset"))
        elif slug is None:
            errors.append(RowError(number, "force", row["force"], "unknown force"))
        elif unit is None:
            errors.append(RowError(number, "unit", row["unit"], "unknown unit"))
        else:
            answer, _ = Return.objects.get_or_create(
                dataset_id=datasets[row["dataset"]],
                force=Force.objects.get(slug=slug),
                defaults={"status": "disclosed"},
            )
            answer.unit, answer.definition = unit, row.get("definition", "")
            answer.caveat = row.get("caveat", "")
            answer.save(update_fields=["unit", "definition", "caveat"])
    if errors:
        raise ReferenceDataError(path, errors)
    data_changed()
    return Return.objects.count()


@transaction.atomic
def load_case_lists(path: Path) -> int:
    """What each answer's incident records are (fixtures/case_lists.csv): a case list, a
    complete one, or examples named elsewhere that must never count. Our editorial reading,
    with the reason on each row; runs after the incidents (whose import creates the returns).
    One transaction: a file with any bad row changes nothing.
    """
    from ..models import Return

    reference = Reference.load()
    datasets = dict(Dataset.objects.values_list("slug", "id"))
    kinds = {code for code, _ in Return.CASE_LISTS}
    errors = []
    for number, row in _rows(path, ("dataset", "force", "case_list")):
        slug = reference.force(row["force"])
        if row["dataset"] not in datasets:
            errors.append(RowError(number, "dataset", row["dataset"], "unknown dataset"))
        elif slug is None:
            errors.append(RowError(number, "force", row["force"], "unknown force"))
        elif row["case_list"] not in kinds:
            known = ", ".join(sorted(kinds))
            errors.append(RowError(number, "case_list", row["case_list"], f"use {known}"))
        else:
            Return.objects.update_or_create(
                dataset_id=datasets[row["dataset"]],
                force=Force.objects.get(slug=slug),
                defaults={"case_list": row["case_list"]},
                create_defaults={"case_list": row["case_list"], "status": "disclosed"},
            )
    if errors:
        raise ReferenceDataError(path, errors)
    data_changed()
    return Return.objects.exclude(case_list="partial").count()


# In dependency order: aliases and actions name forces; figures name datasets and forces.
LOADERS = (
    ("forces.csv", load_forces),
    ("aliases.csv", load_aliases),
    ("datasets.csv", load_datasets),
    ("denominators.csv", load_denominators),
    ("workforce.csv", load_workforce),
    ("enforcement_actions.csv", load_enforcement_actions),
)


@transaction.atomic
def load_reference_files(folder: Path) -> dict[str, int]:
    """Load every reference file in `folder`; returns the row count of each table after.

    Rates and caveats come from these tables: the data version moves on when they commit.
    """
    data_changed()
    return {name: loader(folder / name) for name, loader in LOADERS}
