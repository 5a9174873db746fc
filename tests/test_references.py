"""Every source cites docs/references.md by number and short name, and nothing in the project
points at a file outside it (issue 10, point 16)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from itbcheck.checks import catalogue
from itbcheck.policy import Policy, load_policy
from itbcheck.profilefiles import load_profile, profile_names
from itbcheck.profiles import facts_of, labelling_of
from tests.conftest import REPO

# An entry opens a line: `12. **ISMP 2004 access port.** Issuer, title, ...`
ENTRY = re.compile(r"^(\d+)\. \*\*(.+?)\.\*\*", re.MULTILINE)
CITED = re.compile(r"\[(\d+)\] ")
# Spelt in pieces so that this file does not match its own search.
OUTSIDE = ("itb-" + "reference", "../" + "shared", "/" + "work/", "shared" + "/domain")


def _entries() -> list[tuple[int, str]]:
    text = (REPO / "docs" / "references.md").read_text("utf-8")
    return [(int(number), name) for number, name in ENTRY.findall(text)]


REFERENCES = dict(_entries())


def citation_problems(source: str) -> list[str]:
    """What is wrong with the citations in one `source` text: none at all, a number that is
    not in docs/references.md, or a number followed by another name than its own."""
    problems = []
    found = list(CITED.finditer(source))
    if not found:
        problems.append("cites no [N] Name from docs/references.md")
    for match in found:
        number = int(match.group(1))
        name = REFERENCES.get(number)
        if name is None:
            problems.append(f"[{number}] is not in docs/references.md")
        elif not source.startswith(name, match.end()):
            problems.append(f"[{number}] is not followed by its short name {name!r}")
    return problems


def _policy_sources() -> list[tuple[str, str]]:
    policy = load_policy()
    sections = [getattr(policy, field) for field in Policy.model_fields]
    found = [
        (type(section).__name__, section.source)
        for section in sections
        if hasattr(section, "source")
    ]
    bands = [(f"age_bands.{band.name}", band.source) for band in policy.age_bands.bands]
    return found + bands


def _profile_sources() -> list[tuple[str, str]]:
    return [
        (f"{name}.{fact_name}", fact.source)
        for name in profile_names()
        for fact_name, fact in (
            facts_of(load_profile(name)) | labelling_of(load_profile(name))
        ).items()
    ]


def _tracked_files() -> list[str]:
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    listing = subprocess.run(
        [git, "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [name for name in listing.split("\0") if name]


def test_reference_numbers_are_unique() -> None:
    """Each number in docs/references.md names exactly one entry."""
    numbers = [number for number, _ in _entries()]
    assert sorted(set(numbers)) == sorted(numbers)


# The fixed entries every shipped source was written against; later entries are read from the
# file, never listed here.
FIXED = (
    "Lioresal label",
    "Gablofen label",
    "Generic baclofen injection labels",
    "Compounded ITB potency 2009",
    "Compounded ITB potency 2012",
    "Saulino 2016",
    "Heetla 2009",
    "Withdrawal before the alarm 2004",
    "Gillette refill guidance",
    "Restart overdose 1991",
    "FDA 2011 pocket-fill recall",
    "ISMP 2004 access port",
    "ISMP flex schedule",
    "FDA 2013 priming-bolus recall",
    "TGA 2016 SynchroMed alert",
    "SynchroMed over-infusion notices",
    "SynchroMed II labelling",
    "Prometra II labelling",
    "MedStream labelling",
    "Maino 2017",
    "Sgouros 2010",
    "ISMP error-prone abbreviations",
    "21 CFR 11.10(e)",
    "EU GMP Annex 11",
    "HIPAA 164.312",
    "Certificate Transparency",
    "Typical dose range study",
    "ISMP smart-pump concentration principle",
)


def test_fixed_references_keep_their_numbers_and_names() -> None:
    """Entries 1-28 keep the numbers and short names the sources were written with."""
    expected = dict(enumerate(FIXED, start=1))
    assert expected == {number: REFERENCES.get(number) for number in expected}


def test_citation_problems_names_each_fault() -> None:
    """The checker finds a missing citation, an unknown number and a wrong short name."""
    assert [
        [],
        ["cites no [N] Name from docs/references.md"],
        ["[999] is not in docs/references.md"],
        ["[1] is not followed by its short name 'Lioresal label'"],
    ] == [
        citation_problems("US labels: [1] Lioresal label; [6] Saulino 2016."),
        citation_problems("Lioresal label, section 2."),
        citation_problems("[999] Nobody 2099."),
        citation_problems("[1] Gablofen label."),
    ]


@pytest.mark.parametrize("code", sorted(catalogue()))
def test_every_finding_source_cites_references(code: str) -> None:
    """Each code's `source` in `itbcheck explain` cites docs/references.md correctly."""
    assert [] == citation_problems(catalogue()[code].source)


@pytest.mark.parametrize(("section", "source"), _policy_sources())
def test_every_policy_source_cites_references(section: str, source: str) -> None:
    """Each section of the shipped policy cites docs/references.md correctly."""
    assert [] == citation_problems(source)


@pytest.mark.parametrize(("fact", "source"), _profile_sources())
def test_every_profile_fact_cites_references(fact: str, source: str) -> None:
    """Each fact of each shipped pump profile cites docs/references.md correctly."""
    assert [] == citation_problems(source)


def test_nothing_points_outside_the_repository() -> None:
    """No tracked file names the private notebook or a path outside the repository."""
    found = []
    for name in _tracked_files():
        path = REPO / name
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [(name, needle) for needle in OUTSIDE if needle in text]
    assert [] == found
