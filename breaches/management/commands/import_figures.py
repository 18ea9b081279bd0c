from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import published figures from a CSV or XLSX file (see docs/upload-formats.md)."
    kind = "figures"
