"""The data: datasets, forces, returns, published figures, incidents and import batches.

docs/design.md section 2 explains the two grains (aggregate figures and incidents). Constraints
live in the database so that no path (admin, importer, shell) can store a negative count,
a reversed period or a code outside the public vocabularies.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from .published import PUBLISHED
from .queries import (
    DatasetQuerySet,
    FigureQuerySet,
    ForceQuerySet,
    IncidentQuerySet,
    SourceQuerySet,
)
from .vocabularies import (
    CATEGORIES,
    OUTCOMES,
    RETURN_STATUSES,
    ROLES,
    UNITS,
    WORKFORCE_MEASURES,
)


def _in_vocabulary(field: str, codes: list[str], *, nullable: bool = True) -> Q:
    condition = Q(**{f"{field}__in": codes})
    return condition | Q(**{f"{field}__isnull": True}) if nullable else condition


class Dataset(models.Model):
    """One FOI request or publication, with its own definition, unit and period."""

    slug = models.SlugField(unique=True, help_text="Public code used in URLs and uploads.")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    published_on = models.DateField(help_text="Date of publication (approximate if noted).")
    period_start = models.DateField()
    period_end = models.DateField()
    unit = models.CharField(
        max_length=20, choices=UNITS.choices, help_text="What one counted item is."
    )
    definition = models.TextField(help_text="What was asked for and counted.")
    caveat = models.TextField(blank=True, help_text="Shown wherever the dataset's figures are.")
    url = models.URLField(max_length=500, verbose_name="URL")
    synthetic = models.BooleanField(
        default=False,
        help_text="Generated for measuring (manage.py generate_synthetic_incidents): hidden "
        "from public pages unless SHOW_SYNTHETIC_DATA is on.",
    )
    # Which rate per 1,000 fits: a count of officers' and staff's breaches divided by officers
    # alone overstates the rate (docs/workforce.md, "Which denominator").
    DENOMINATORS = [
        ("officers", "Police officers"),
        ("workforce", "The whole workforce (officers, staff, PCSOs, designated officers)"),
    ]
    denominator = models.CharField(
        max_length=20,
        choices=DENOMINATORS,
        default="officers",
        help_text="Who the dataset counts: officers only, or the whole workforce.",
    )
    denominator_reason = models.TextField(
        blank=True, help_text="Why that denominator fits (fixtures/denominators.csv)."
    )

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="dataset_period_ordered"
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("unit", UNITS.codes, nullable=False),
                name="dataset_unit_known",
            ),
            models.CheckConstraint(
                condition=Q(denominator__in=["officers", "workforce"]),
                name="dataset_denominator_known",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.publisher}, {self.published_on.year})"


class Force(models.Model):
    """A police force: territorial, special or Crown Dependency (fixtures/forces.csv)."""

    KINDS = [
        ("territorial", "Territorial"),
        ("special", "Special"),
        ("crown-dependency", "Crown Dependency"),
    ]

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, choices=KINDS)
    nation = models.CharField(max_length=50, blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="Home Office region.")
    ons_code = models.CharField(max_length=9, blank=True, verbose_name="ONS code")
    police_uk_id = models.CharField(max_length=50, blank=True, verbose_name="data.police.uk id")

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ForceAlias(models.Model):
    """Another name a force goes by in FOI spreadsheets; matched case-insensitively."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)
    # Where an alias added from an upload's preview came from (issue 11): who, when, which
    # file, and the batch that file became once confirmed. Blank for reference-data aliases.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    added_at = models.DateTimeField(null=True, blank=True, editable=False)
    file_name = models.CharField(
        max_length=300, blank=True, editable=False, help_text="The upload it was added from."
    )
    file_sha256 = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name="file SHA-256"
    )
    batch = models.ForeignKey(
        "ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aliases_added",
        editable=False,
        help_text="The import batch of the file whose preview added this alias.",
    )

    class Meta:
        verbose_name_plural = "force aliases"
        ordering = ["alias"]
        constraints = [models.UniqueConstraint(Lower("alias"), name="force_alias_unique_ci")]

    def __str__(self):
        return f"{self.alias} → {self.force}"


class Workforce(models.Model):
    """Officers, staff, PCSOs or designated officers per force at a date (FTE).

    Officers are the denominator of rates per 1,000 officers; the other measures are kept
    beside them with their sources.
    """

    MEASURES = WORKFORCE_MEASURES.choices

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="workforce")
    as_of = models.DateField()
    measure = models.CharField(max_length=20, choices=MEASURES, default="officers-fte")
    value = models.DecimalField(max_digits=10, decimal_places=2)
    source = models.TextField()

    class Meta:
        ordering = ["force", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "as_of", "measure"], name="workforce_natural_key"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="workforce_positive"),
            models.CheckConstraint(
                condition=_in_vocabulary("measure", WORKFORCE_MEASURES.codes, nullable=False),
                name="workforce_measure_known",
            ),
        ]

    def __str__(self):
        return f"{self.force}: {self.value} {self.measure} at {self.as_of}"


class Source(models.Model):
    """Where a figure was read: a publication, article or FOI answer (title, publisher, date, URL).

    Only the reference is stored; the file an editor uploaded is kept on its ImportBatch.
    """

    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=1000, blank=True, verbose_name="URL")

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "publisher", "published_on", "url"],
                nulls_distinct=False,
                name="source_natural_key",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.publisher})" if self.publisher else self.title


class DataGeneration(models.Model):
    """One row counting the committed changes to published data (breaches/versions.py).

    Every writer moves it on commit (imports, retractions, the reference-data loader, a
    restore), and the data version includes it, so cached pages and charts follow at once.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"generation {self.value}"


class ImportBatch(models.Model):
    """One import of one file: who, when, what file, and what it did.

    A retraction is itself a batch (kind "retraction", `retracts` the batch it undid), so
    the history lists it beside the imports and the data version changes with it.
    """

    KINDS = [("figures", "Figures"), ("incidents", "Incidents"), ("retraction", "Retraction")]

    kind = models.CharField(max_length=20, choices=KINDS)
    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, verbose_name="SHA-256")
    sheet = models.CharField(max_length=100, blank=True, help_text="XLSX sheet that was read.")
    original = models.BinaryField(
        null=True, blank=True, editable=False, help_text="The uploaded file, as received."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(
        default=0, help_text="Rows restated (for a retraction: rows restored)."
    )
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(
        default=0, help_text="For a retraction: rows withdrawn from the dashboard."
    )
    retracts = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retraction",
        help_text="For a retraction: the batch it undid (a batch is retracted at most once).",
    )

    class Meta:
        verbose_name_plural = "import batches"
        ordering = ["-created_at", "-id"]
        permissions = [("retract_importbatch", "Can retract an import batch")]

    def __str__(self):
        if self.kind == "retraction":
            return f"Retraction of batch {self.retracts_id} ({self.created_at:%Y-%m-%d %H:%M})"
        return f"{self.get_kind_display()} from {self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class StagedUpload(models.Model):
    """An uploaded file between its preview and its confirm or cancel.

    Kept in PostgreSQL, so that whichever app server answers the confirm finds it (issue 14);
    the bytes themselves may live in a storage chosen by UPLOAD_STAGING_STORAGE instead.
    Bound to the editor and the file's SHA-256; removed after UPLOAD_STAGING_MAX_AGE.
    """

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sha256 = models.CharField(max_length=64, verbose_name="SHA-256")
    file_name = models.CharField(max_length=300)
    size = models.PositiveIntegerField()
    content = models.BinaryField(null=True, editable=False)  # None: kept in a storage
    staged_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "sha256"], name="staged_upload_once_per_editor"
            )
        ]

    def __str__(self):
        return f"{self.file_name} staged {self.staged_at:%Y-%m-%d %H:%M}"


class StagedPreview(models.Model):
    """What a staged file's preview shows, computed once per sheet and kept: a reload reads
    it back and never parses the file again. `data_version` is the version it was drawn at."""

    upload = models.ForeignKey(StagedUpload, on_delete=models.CASCADE, related_name="previews")
    sheet = models.CharField(max_length=100, blank=True)
    data_version = models.CharField(max_length=100)
    checked_at = models.DateTimeField()
    summary = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "sheet"], name="staged_preview_per_sheet")
        ]

    def __str__(self):
        return f"Preview of {self.upload.file_name}" + (f" ({self.sheet})" if self.sheet else "")


class StagedPreviewPage(models.Model):
    """One page of the rows a preview would create or change, fully described."""

    preview = models.ForeignKey(StagedPreview, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    rows = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["preview", "number"], name="staged_preview_page")
        ]

    def __str__(self):
        return f"page {self.number}"


class Return(models.Model):
    """One force's answer to one dataset's request, and whether it disclosed anything."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="returns")
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="returns")
    status = models.CharField(max_length=20, choices=RETURN_STATUSES.choices)
    foia_section = models.CharField(
        max_length=50, blank=True, verbose_name="FOIA section", help_text="For refusals, e.g. s.31."
    )
    caveat = models.TextField(blank=True, help_text="Shown beside every figure of this answer.")
    unit = models.CharField(
        max_length=20,
        blank=True,
        choices=UNITS.choices,
        help_text="What this force counted, when it differs from the dataset's unit "
        "(e.g. allegations rather than breaches). Blank: the dataset's unit.",
    )
    definition = models.TextField(
        blank=True,
        help_text="How this force's answer departs from the dataset's definition, if it does. "
        "Flagged 'different unit or definition' in league tables.",
    )
    CASE_LISTS = [
        ("partial", "Case list, not known to be complete: counted as 'at least N'"),
        ("complete", "The force's complete case list for the period: counted exactly"),
        ("examples", "Examples named elsewhere (press, a report), not a case list: never counted"),
    ]
    case_list = models.CharField(
        max_length=10,
        choices=CASE_LISTS,
        default="partial",
        verbose_name="incident records are",
        help_text="What this answer's incident records are. A case list counts in league "
        "tables, force pages and charts; choose 'complete' only when the list is known to hold "
        "every case of the dataset's period; cases named as examples are listed but never "
        "counted.",
    )

    class Meta:
        ordering = ["dataset", "force"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "force"], name="return_natural_key"),
            models.CheckConstraint(
                condition=_in_vocabulary("status", RETURN_STATUSES.codes, nullable=False),
                name="return_status_known",
            ),
        ]

    def __str__(self):
        return f"{self.force} → {self.dataset.slug}: {self.get_status_display()}"

    def counted_differently(self) -> bool:
        return bool(self.definition) or bool(self.unit and self.unit != self.dataset.unit)


class Figure(models.Model):
    """One published count, identified by (dataset, force, period, category, outcome, role).

    A NULL category, outcome or role means "all"; a NULL force is a national figure (an
    upload leaves those cells empty). A count is NULL only when the figure was not disclosed
    (its status says why): a figure that was not published is absent or withheld, never zero.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="figures")
    force = models.ForeignKey(
        Force, null=True, blank=True, on_delete=models.PROTECT, related_name="figures"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    category = models.CharField(max_length=30, null=True, blank=True, choices=CATEGORIES.choices)
    outcome = models.CharField(max_length=30, null=True, blank=True, choices=OUTCOMES.choices)
    role = models.CharField(max_length=30, null=True, blank=True, choices=ROLES.choices)
    count = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RETURN_STATUSES.choices, default="disclosed")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="figures")
    note = models.TextField(blank=True, help_text="Caveat attached to this figure.")
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="figures",
        help_text="The import that last set this figure's value.",
    )
    retracted_by = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="withdrawn_figures",
        help_text="The retraction that withdrew this figure; withdrawn figures are not shown.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Every row, withdrawn ones included (the natural key spans both): public reads say
    # `Figure.objects.published()` (breaches/published.py).
    objects = FigureQuerySet.as_manager()

    NATURAL_KEY = ("dataset", "force", "period_start", "period_end", "category", "outcome", "role")

    class Meta:
        ordering = ["dataset", "force", "period_start", "category", "outcome", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "dataset",
                    "force",
                    "period_start",
                    "period_end",
                    "category",
                    "outcome",
                    "role",
                ],
                nulls_distinct=False,
                name="figure_natural_key",
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="figure_count_not_negative"),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="figure_period_ordered"
            ),
            models.CheckConstraint(
                condition=(Q(status="disclosed", count__isnull=False))
                | (~Q(status="disclosed") & Q(count__isnull=True)),
                name="figure_count_matches_status",
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("category", CATEGORIES.codes),
                name="figure_category_known",
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("outcome", OUTCOMES.codes), name="figure_outcome_known"
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("role", ROLES.codes), name="figure_role_known"
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("status", RETURN_STATUSES.codes, nullable=False),
                name="figure_status_known",
            ),
        ]
        # Public reads see published figures only (breaches/published.py): their indexes
        # leave withdrawn rows out. The natural key's index serves the importer.
        indexes = [
            models.Index(
                fields=["dataset", "force"], name="figure_published_dataset", condition=PUBLISHED
            ),
            models.Index(
                fields=["force", "dataset"], name="figure_published_force", condition=PUBLISHED
            ),
        ]

    def __str__(self):
        where = self.force.name if self.force_id else "National"
        value = self.count if self.count is not None else self.get_status_display()
        return f"{self.dataset.slug} · {where} · {self.period_start}–{self.period_end}: {value}"


class FigureRevision(models.Model):
    """A value a figure had before a later import restated it: nothing is silently lost."""

    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, related_name="revisions")
    count = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RETURN_STATUSES.choices)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The import that had set this value.",
    )
    replaced_by = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="replaced_revisions"
    )
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["figure", "-replaced_at"]

    def __str__(self):
        return f"{self.figure_id}: was {self.count} until batch {self.replaced_by_id}"


class Incident(models.Model):
    """One breach, where a force published incident-level detail."""

    # No index of its own: the natural key (dataset, force, reference) leads with it, and one
    # index fewer to keep up is a second less per million rows imported.
    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="incidents", db_index=False
    )
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="incidents")
    reference = models.CharField(max_length=100)
    occurred_on = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=30, null=True, blank=True, choices=CATEGORIES.choices)
    role = models.CharField(max_length=30, null=True, blank=True, choices=ROLES.choices)
    summary = models.TextField(blank=True)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    retracted_by = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="withdrawn_incidents",
        help_text="The retraction that withdrew this incident; withdrawn incidents are not shown.",
    )

    # The words the incidents browser searches, kept by PostgreSQL itself whenever the row
    # changes (no import path has to remember it) and GIN-indexed, so a search never
    # computes a vector per row. A fixed configuration: to_tsvector needs one to be immutable.
    search = models.GeneratedField(
        expression=SearchVector("reference", "summary", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    # Every row, withdrawn ones included: public reads say `Incident.objects.published()`.
    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["dataset", "force", "reference"]
        # The browser's filters and its order (the natural key), for published rows only:
        # each index leads with one filter and ends with the natural key, so a filtered page
        # is read in order from one index, and facets count from it (docs/incidents.md).
        indexes = [
            models.Index(
                fields=["force", "dataset", "reference"],
                name="incident_browse_force",
                condition=PUBLISHED,
            ),
            models.Index(
                fields=["category", "dataset", "force", "reference"],
                name="incident_browse_category",
                condition=PUBLISHED,
            ),
            models.Index(
                fields=["role", "dataset", "force", "reference"],
                name="incident_browse_role",
                condition=PUBLISHED,
            ),
            models.Index(fields=["occurred_on"], name="incident_browse_date", condition=PUBLISHED),
            GinIndex(fields=["search"], name="incident_search", condition=PUBLISHED),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "force", "reference"], name="incident_natural_key"
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("category", CATEGORIES.codes),
                name="incident_category_known",
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("role", ROLES.codes), name="incident_role_known"
            ),
        ]

    def __str__(self):
        return f"{self.force} {self.reference}"


class IncidentRevision(models.Model):
    """What an incident said before a later import restated it (so a retraction can restore it)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="revisions")
    occurred_on = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=30, null=True, blank=True, choices=CATEGORIES.choices)
    role = models.CharField(max_length=30, null=True, blank=True, choices=ROLES.choices)
    summary = models.TextField(blank=True)
    outcomes = models.JSONField(default=list, help_text="[[outcome code, decided on or null]]")
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The import that had set these values.",
    )
    replaced_by = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="replaced_incident_revisions"
    )
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "-replaced_at"]

    def __str__(self):
        return f"{self.incident_id}: until batch {self.replaced_by_id}"


class Outcome(models.Model):
    """An outcome of an incident; an incident can have several (warning, then resigned)."""

    # No index of its own: outcome_once_per_incident (incident, outcome) leads with it.
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="outcomes", db_index=False
    )
    outcome = models.CharField(max_length=30, choices=OUTCOMES.choices)
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "decided_on", "outcome"]
        # The outcome filter and facet: which incidents reached an outcome.
        indexes = [models.Index(fields=["outcome", "incident"], name="outcome_incident")]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "outcome"], name="outcome_once_per_incident"
            ),
            models.CheckConstraint(
                condition=_in_vocabulary("outcome", OUTCOMES.codes, nullable=False),
                name="incident_outcome_known",
            ),
        ]

    def __str__(self):
        return self.get_outcome_display()


class IncidentCount(models.Model):
    """A derived figure: how many incident records fall in one cell (docs/data-model.md).

    One row per dataset, force, period bucket (the dataset's whole period, a month, or the
    undated incidents) and breakdown (a NULL category, outcome or role means "all").
    Written only by breaches/imports/counting.py, inside the transaction of every incident
    import and retraction, so it is never stale; never edited.
    National counts are sums over forces: an incident belongs to one force.
    """

    BUCKETS = [
        ("whole", "Whole dataset period"),
        ("month", "Month"),
        ("undated", "Undated incidents"),
    ]

    # No foreign-key constraints in the database: an import writes hundreds of thousands of
    # cells and the checks would double its cost. The incidents a cell counts hold PROTECTed
    # keys to the same dataset and force, so neither can be deleted while a cell exists.
    dataset = models.ForeignKey(
        Dataset, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    force = models.ForeignKey(
        Force, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    bucket = models.CharField(max_length=10, choices=BUCKETS)
    period_start = models.DateField()
    period_end = models.DateField()
    category = models.CharField(max_length=30, null=True, choices=CATEGORIES.choices)
    outcome = models.CharField(max_length=30, null=True, choices=OUTCOMES.choices)
    role = models.CharField(max_length=30, null=True, choices=ROLES.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "dataset",
                    "bucket",
                    "period_start",
                    "period_end",
                    "category",
                    "outcome",
                    "role",
                    "force",
                ],
                nulls_distinct=False,
                name="incidentcount_cell",
            ),
        ]
        # The incidents list's facets over every public dataset read a breakdown's cells
        # (breaches/counted_facets.py); the unique index leads with one dataset.
        indexes = [
            models.Index(
                fields=["bucket", "outcome", "role", "category"], name="incidentcount_breakdown"
            )
        ]

    def __str__(self):
        return f"{self.dataset_id} · {self.force_id} · {self.period_start}: {self.count}"


class EnforcementAction(models.Model):
    """An ICO fine, notice or reprimand against a force (fixtures/enforcement_actions.csv)."""

    PRECISIONS = [("day", "Day"), ("month", "Month"), ("year", "Year")]

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="enforcement_actions")
    date = models.DateField(help_text="First day of the month or year when less precise.")
    date_precision = models.CharField(max_length=5, choices=PRECISIONS, default="day")
    date_note = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=100)
    amount_gbp = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name="amount (£)"
    )
    summary = models.TextField()
    source = models.CharField(max_length=300)
    url = models.CharField(max_length=1000, blank=True, verbose_name="URL")

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "date", "action"], name="enforcement_natural_key"
            ),
            models.CheckConstraint(
                condition=Q(amount_gbp__gte=0) | Q(amount_gbp__isnull=True),
                name="enforcement_amount_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.force}: {self.action} ({self.date})"

    @property
    def no_link_reason(self) -> str:
        """Why there is no page to link to, shown in its place (dashboard/sources.py)."""
        if self.url:
            return f"cited as “{self.url}”, which is not a web address"
        return "the source was recorded without an address"
