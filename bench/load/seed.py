"""Seed and verify the load-test database (called by bench/load/run.sh).

    seed.py seed --invitations N --tokens FILE   one office, N providers, an open campaign
                                                 of the shipped questionnaire, N personal
                                                 links written to FILE (one token a line)
    seed.py verify --summary FILE                compare the database with what locust says
                                                 the respondents did; exit 1 on a mismatch

DATABASE_URL must point at the dedicated load-test database.
"""

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balise.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count, Exists, OuterRef  # noqa: E402
from django.utils import timezone  # noqa: E402

from balise.diagnostics import campaigns, versions  # noqa: E402
from balise.diagnostics.models import Answer, Campaign, Invitation, Response  # noqa: E402
from balise.diagnostics.scoring import applicable_questions  # noqa: E402
from balise.members.models import Category, Provider  # noqa: E402
from balise.offices.models import Office  # noqa: E402

OFFICE = "charge"
CAMPAIGN = "Diagnostic de charge"


def seed(invitations: int, tokens: Path) -> None:
    office, _ = Office.objects.get_or_create(
        slug=OFFICE,
        defaults={"name": "Office de tourisme de la Charge", "email": "contact@charge.example"},
    )
    categories = list(Category.values)
    Provider.objects.bulk_create(
        [
            Provider(
                office=office,
                name=f"Prestataire {n:04d}",
                normalized_name=f"prestataire {n:04d}",
                category=categories[n % len(categories)],
                email=f"p{n}@charge.example",
            )
            for n in range(invitations)
        ],
        batch_size=500,
    )
    today = timezone.localdate()
    campaign = campaigns.create_campaign(
        office=office,
        name=CAMPAIGN,
        version=versions.ensure_default_version(),
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        target_filters={},
        message="",
        user=None,
    )
    campaigns.open_campaign(campaign=campaign)
    links = [i.token for i in Invitation.objects.filter(campaign=campaign).order_by("pk")]
    tokens.write_text("\n".join(links) + "\n")
    print(f"seeded: office {OFFICE}, {len(links)} personal links in {tokens}")


def _norm(value) -> set[str]:
    """An answer as a set of strings, numbers compared as numbers."""
    out = set()
    for item in value if isinstance(value, list) else [value]:
        try:
            out.add(repr(float(item)))
        except (TypeError, ValueError):
            out.add(str(item).strip())
    return out


def verify(summary_path: Path) -> int:
    summary = json.loads(summary_path.read_text())
    campaign = Campaign.objects.get(office__slug=OFFICE, name=CAMPAIGN)
    responses = Response.objects.filter(campaign=campaign)
    completed = responses.filter(completed_at__isnull=False)
    finished_keys = {Invitation.key_from_token(token) for token in summary["finished_tokens"]}
    by_key = dict(
        completed.annotate(
            key=Invitation.objects.filter(campaign=campaign, provider=OuterRef("provider")).values(
                "key"
            )[:1],
            answers_rows=Count("answer_rows"),
        ).values_list("key", "answers_rows")
    )
    without_rows = completed.exclude(Exists(Answer.objects.filter(response=OuterRef("pk")))).count()
    # Every answer a respondent posted is stored as posted, unless a later answer made its
    # question inapplicable (e.g. "no booking platform" drops the channel-manager question),
    # which Balise drops on purpose.
    stored = {
        key: (answers, category)
        for key, answers, category in completed.annotate(
            key=Invitation.objects.filter(campaign=campaign, provider=OuterRef("provider")).values(
                "key"
            )[:1]
        ).values_list("key", "answers", "provider__category")
    }
    definition = campaign.version.parsed
    posted = dropped = lost = 0
    for token, answers_posted in summary["answered"].items():
        answers, category = stored.get(Invitation.key_from_token(token), ({}, ""))
        applicable = {q.code for q in applicable_questions(definition, answers, category=category)}
        for code, values in answers_posted.items():
            posted += 1
            if code not in applicable:
                dropped += 1
            elif code not in answers or _norm(answers[code]) != _norm(values):
                lost += 1
    missing = finished_keys - set(by_key)
    unexpected = set(by_key) - finished_keys
    answer_rows = Answer.objects.filter(response__campaign=campaign).count()
    print(f"respondents who finished (locust): {len(finished_keys)}")
    print(f"completed responses (database):    {completed.count()}")
    print(f"responses in progress (database):  {responses.count() - completed.count()}")
    print(f"answer rows (database):            {answer_rows}")
    print(f"completed responses without rows:  {without_rows}")
    print(f"answers posted by finishers:       {posted}")
    print(f"dropped as no longer applicable:   {dropped}")
    print(f"not stored as posted:              {lost}")
    print(f"finished but not completed:        {len(missing)}")
    print(f"completed but not seen finishing:  {len(unexpected)}")
    ok = not missing and not unexpected and not without_rows and not lost and finished_keys
    print("database check:", "OK" if ok else "FAILED")
    ok = bool(ok)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed")
    seeding.add_argument("--invitations", type=int, default=1000)
    seeding.add_argument("--tokens", type=Path, required=True)
    checking = sub.add_parser("verify")
    checking.add_argument("--summary", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.invitations, args.tokens)
        return 0
    return verify(args.summary)


if __name__ == "__main__":
    sys.exit(main())
