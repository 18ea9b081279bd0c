# Partial indexes for public reads: published figures only (breaches/published.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('breaches', '0016_incidentcount_breakdown'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='figure',
            name='figure_dataset_force',
        ),
        migrations.AddIndex(
            model_name='figure',
            index=models.Index(condition=models.Q(('retracted_by__isnull', True)), fields=['dataset', 'force'], name='figure_published_dataset'),
        ),
        migrations.AddIndex(
            model_name='figure',
            index=models.Index(condition=models.Q(('retracted_by__isnull', True)), fields=['force', 'dataset'], name='figure_published_force'),
        ),
    ]
