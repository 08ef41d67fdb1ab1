import django.db.models.deletion
from django.db import migrations, models


def copy_marks(apps, schema_editor):
    """Existing marks move from the loan column to the new table, in batches."""
    Loan = apps.get_model("loans", "Loan")
    OverdueMark = apps.get_model("loans", "OverdueMark")
    batch = []
    for loan_id, since in Loan.objects.filter(overdue_since__isnull=False).values_list("id", "overdue_since").iterator(chunk_size=5000):
        batch.append(OverdueMark(loan_id=loan_id, since=since))
        if len(batch) >= 5000:
            OverdueMark.objects.bulk_create(batch)
            batch = []
    OverdueMark.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    Loan = apps.get_model("loans", "Loan")
    OverdueMark = apps.get_model("loans", "OverdueMark")
    for loan_id, since in OverdueMark.objects.values_list("loan_id", "since").iterator(chunk_size=5000):
        Loan.objects.filter(pk=loan_id).update(overdue_since=since)


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0004_list_order_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='OverdueMark',
            fields=[
                ('loan', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='overdue_mark', serialize=False, to='loans.loan')),
                ('since', models.DateField(verbose_name='overdue since')),
            ],
            options={
                'verbose_name': 'overdue mark',
                'verbose_name_plural': 'overdue marks',
                'indexes': [models.Index(fields=['since'], name='overdue_mark_since_idx')],
            },
        ),
        migrations.RunPython(copy_marks, copy_back),
        migrations.RemoveField(
            model_name='loan',
            name='overdue_since',
        ),
    ]
