"""Small things users tripped on (issue 16, point 5): colour by NO_COLOR and FORCE_COLOR, shell
completion, `check` on a sheet, pump profile names, and the heat map's palette."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from itbcheck.cli._handling import use_colour
from tests.conftest import EXAMPLES, audit_entries, run_cli


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value disables
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": ""}, False),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # asking for none wins
    ],
)
def test_colour_follows_no_color_and_force_color(
    tty: bool, environ: dict[str, str], expected: bool
) -> None:
    """Colour on a terminal; a non-empty NO_COLOR turns it off, a non-empty FORCE_COLOR on."""
    assert expected == use_colour(_Stream(tty), environ)


def test_force_color_colours_check_output_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """With FORCE_COLOR set, `check` writes the verdict with its ANSI colour even though its
    output is not a terminal; without it, plain text."""
    plain = run_cli("check", str(EXAMPLES / "visit-stop.yaml")).stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = run_cli("check", str(EXAMPLES / "visit-stop.yaml")).stdout
    assert (False, True) == ("\x1b[" in plain, coloured.startswith("\x1b["))


def test_shell_completion_is_offered() -> None:
    """`--install-completion` and `--show-completion` are in the top-level help."""
    result = run_cli("--help")
    assert (0, True, True) == (
        result.exit_code,
        "--install-completion" in result.stdout,
        "--show-completion" in result.stdout,
    )


@pytest.mark.parametrize("name", ["day.csv", "day.jsonl", "DAY.CSV"])
def test_check_on_a_sheet_says_to_use_sheet(tmp_path: Path, audit_log: Path, name: str) -> None:
    """`check` on a .csv or .jsonl file is refused (exit 3) with one line naming `itbcheck
    sheet`, and the refusal is audited like any rejected record."""
    path = tmp_path / name
    path.write_text("patient.id\nMRN-1\n", "utf-8")
    result = run_cli("check", str(path))
    expected = (
        f"{path}: record: a sheet of visits, not one record: check it with 'itbcheck sheet {path}'"
    )
    assert (3, [expected]) == (result.exit_code, result.stderr.splitlines()[-1:])
    assert "record_rejected" == audit_entries(audit_log)[-1]["event"]


def test_a_profile_name_that_cannot_be_one_lists_the_known_profiles(tmp_path: Path) -> None:
    """A pump.profile written as the pump's display name is refused with the known names."""
    path = tmp_path / "visit.yaml"
    text = (EXAMPLES / "visit-clear.yaml").read_text("utf-8")
    path.write_text(text.replace("profile: synchromed-ii-20ml", "profile: SynchroMed II"), "utf-8")
    result = run_cli("check", str(path))
    known = "prometra-ii-20ml, prometra-ii-40ml, synchromed-ii-20ml, synchromed-ii-40ml"
    expected = (
        f"{path}: pump.profile: not a pump profile name; known: {known} (got 'SynchroMed II')"
    )
    assert (3, expected) == (result.exit_code, result.stderr.splitlines()[-1])


def test_the_heat_map_uses_the_okabe_ito_colours(tmp_path: Path) -> None:
    """The sweep heat map's STOP and CLEAR cells are Okabe-Ito vermillion and bluish green, and
    the red and green that look alike to a red-green colour-blind reader are gone."""
    image = pytest.importorskip("matplotlib.image")
    target = tmp_path / "map.png"
    grid = ["--concentrations", "2000", "--doses", "400,2000", "--intervals", "49"]
    run_cli("sweep", str(EXAMPLES / "visit-clear.yaml"), *grid, "--plot", str(target))
    pixels = image.imread(target)
    colours = {
        "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in p[:3]))
        for row in pixels
        for p in row
    }
    assert (True, True, False, False) == (
        "#d55e00" in colours,
        "#009e73" in colours,
        "#d73027" in colours,
        "#1a9850" in colours,
    )


def test_profiles_show_of_an_unknown_name_lists_the_known_ones() -> None:
    """`profiles show` with an unknown name lists the known profiles, as a record does."""
    result = run_cli("profiles", "show", "synchromed-iii")
    known = "prometra-ii-20ml, prometra-ii-40ml, synchromed-ii-20ml, synchromed-ii-40ml"
    expected = (
        f"error: unknown pump profile 'synchromed-iii'; known: {known} (itbcheck profiles list)\n"
    )
    assert (2, expected) == (result.exit_code, result.stderr)
