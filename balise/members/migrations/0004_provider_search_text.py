from django.db import migrations, models

from balise.members.models import normalize_name, search_text


def fill_search_text(apps, schema_editor):
    """Compute the search text (and the sort name, now spelling "œ" as "oe") of every provider."""
    Provider = apps.get_model("members", "Provider")
    batch = []
    rows = Provider.objects.select_related("commune").only(
        "name", "legal_name", "city", "postal_code", "email", "commune__name", "commune__insee_code"
    )
    for provider in rows.iterator(chunk_size=2000):
        provider.normalized_name = normalize_name(provider.name)
        provider.search_text = search_text(provider)
        batch.append(provider)
        if len(batch) == 2000:
            Provider.objects.bulk_update(batch, ["normalized_name", "search_text"])
            batch = []
    Provider.objects.bulk_update(batch, ["normalized_name", "search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_import_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="provider",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="providersourceid",
            index=models.Index(fields=["external_id"], name="source_id_external_id"),
        ),
    ]
