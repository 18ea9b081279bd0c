import pytest
from breaches.importers import import_file
from breaches.models import *

H = "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
@pytest.mark.django_db
def test_explore():
    print(Figure.objects.count(), Return.objects.count(), ImportBatch.objects.count(), Source.objects.count(), FigureRevision.objects.count(), Incident.objects.count(), Outcome.objects.count())
    print(list(Return.objects.values_list("dataset__slug","force__slug","status"))[:50])
    for body in [
        "bbw-2061,Surrey Police,2020-01-01,2020-12-31,,,,5,,T\n",
        "bbw-2016,Surey Police,2020-01-01,2020-12-31,,,,5,,T\n",
        "bbw-2016,Surrey Police,2020-01-01,2020-12-31,,,,,,T\n",
        "bbw-2016,Surrey Police,2020-01-01,2020-12-31,,,,5,refused,T\n",
        "bbw-2016,Surrey Police,2020-01-01,2020-12-31,bogus,bogus,bogus,5,bogus,T\n",
        "bbw-2016,Surrey Police,2020-12-31,2020-01-01,,,,x,,T\n",
    ]:
        v, r = import_file((H + body).encode(), "t.csv", kind="figures")
        for e in v.errors: print(e)
    v, r = import_file(("dataset,force,reference,outcome\nbbw-2016,Surrey Police,X1,Warning; SACKED ~ warning\nbbw-2016,Surrey Police,X2,Dismissed, Resigned\n").encode(), "i.csv")
    print(v, r)
