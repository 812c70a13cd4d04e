"""What the demo steps share: the seed, what was built so far, where to report progress."""

import random
from dataclasses import dataclass, field
from typing import TextIO

from balise.offices.models import Network, Office, User


class DemoError(Exception):
    """The demo cannot be built here (already present, or a real office uses its slugs)."""


@dataclass(frozen=True)
class DemoLogin:
    office_slug: str
    office_name: str
    email: str
    password: str
    role: str
    full_name: str
    title: str


@dataclass
class DemoResult:
    """What :func:`build_demo` created; later steps (campaigns, audits...) read and extend it."""

    seed: int
    network: Network
    offices: dict[str, Office]  # slug -> office, the main office first
    users: dict[str, User]  # e-mail -> user
    logins: list[DemoLogin]
    # Per office slug, per kind of object ("prestataires", "communes"...): how many.
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def main_office(self) -> Office:
        return next(iter(self.offices.values()))

    def count(self, office_slug: str, what: str, value: int) -> None:
        self.counts.setdefault(office_slug, {})[what] = value


@dataclass
class DemoContext:
    seed: int
    result: DemoResult
    stdout: TextIO | None = None

    def rng(self, *parts: str) -> random.Random:
        """A random generator of its own for each step and office.

        Seeding from "seed:step:office" keeps each part stable when another step is added
        or changed: the directory stays the same when a workshops step appears.
        """
        return random.Random(":".join([str(self.seed), *parts]))

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)
