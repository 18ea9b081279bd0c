from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import incident records from a CSV or XLSX file (see docs/upload-formats.md)."
    kind = "incidents"
