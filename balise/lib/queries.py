"""Query helpers shared by the apps."""

from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset: QuerySet, *, per: str) -> Coalesce:
    """COUNT(*) of ``queryset``, filtered on an ``OuterRef`` by the caller and grouped on
    its ``per`` field, as a correlated subquery (0 when no row matches).

    Several counts of different related tables annotated with ``Count("relation")`` on one
    queryset join every table at once and multiply one count by the other; each
    subquery counts its own rows, whatever else the queryset joins or annotates.
    """
    return Coalesce(
        Subquery(
            queryset.order_by().values(per).annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
