"""item, scope and group: what a figure counts beyond its measure (figtrace.extract.details)."""

from __future__ import annotations

import json

import pytest

from figtrace import extract
from figtrace.extract.details import detail_reader
from figtrace.model import Claim


def _read(text: str, figure: str, unit: str, lang: str = "en"):
    start = text.index(figure)
    return detail_reader(lang).read(text, start, start + len(figure), 0, len(text), unit)


@pytest.mark.parametrize(("text", "figure", "item"), [
    ("The army said it destroyed 14 main battle tanks near the river.", "14", "tank"),
    ("Air defences downed 212 of the Shahed drones overnight.", "212", "drone"),
    ("Pyongyang has shipped 8 million artillery shells.", "8 million", "shell"),
    ("It also lost 37 systems, most of them howitzers, in the offensive.", "37", "artillery system"),
])
def test_item_in_english(text: str, figure: str, item: str) -> None:
    assert _read(text, figure, "equipment").item == item


def test_item_in_german_compounds() -> None:
    assert _read("Russland verlor demnach 31 Kampfpanzer und 5 Hubschrauber.", "31", "equipment", "de").item == "tank"
    assert _read("Die Luftwaffe fing 60 Kamikazedrohnen ab.", "60", "equipment", "de").item == "drone"


def test_item_only_for_equipment() -> None:
    assert _read("The strike killed 12 tank crew members.", "12", "personnel").item is None


@pytest.mark.parametrize(("text", "figure", "scope"), [
    ("The army has lost 61,000 soldiers since the war began, officials said.", "61,000", "total"),
    ("The General Staff said 980 soldiers were killed or wounded over the past 24 hours.", "980", "period"),
    ("At least 17 people were killed in the strike on the market.", "17", "event"),
    ("Officials said 40 people were killed on Tuesday.", "40", None),
])
def test_scope_cues(text: str, figure: str, scope: str | None) -> None:
    assert _read(text, figure, "personnel").scope == scope


def test_a_cue_after_a_comma_belongs_to_the_next_clause() -> None:
    text = "Losses over the previous day stood at 1,090, bringing the total to 987,650."
    assert _read(text, "1,090", "personnel").scope == "period"
    assert _read(text, "987,650", "personnel").scope == "total"


def test_scope_in_german() -> None:
    assert _read("Seit Kriegsbeginn seien 43.000 Soldaten gefallen.", "43.000", "personnel", "de").scope == "total"
    assert _read("Binnen 24 Stunden verlor die Armee 1.020 Soldaten.", "1.020", "personnel", "de").scope == "period"


def test_group_is_a_part_not_the_whole() -> None:
    text = "Officials said 64 people were killed, including 21 children."
    assert _read(text, "21", "personnel").group == "children"
    assert _read(text, "64", "personnel").group is None  # "people": the whole
    assert _read("Bei dem Angriff starben 30 Menschen, darunter 9 Soldaten.", "9", "personnel", "de").group == \
        "soldiers"  # a whole-type noun after a subset marker is a part
    assert _read("Rund 900 Pioniere räumen Minen.", "900", "personnel", "de").group == "engineers"
    assert _read("Rund 9000 Soldaten sind dort stationiert.", "9000", "personnel", "de").group is None


def test_the_engine_fills_the_fields_and_every_output_carries_them() -> None:
    claims = extract("Officials said 64 people were killed in the strike, including 21 children. "
                     "The army also lost 14 tanks since the war began.", lang="en", published="2025-03-02")
    by_figure = {c.figure: c for c in claims}
    assert (by_figure["21"].group, by_figure["21"].scope) == ("children", "event")
    assert (by_figure["14"].item, by_figure["14"].scope) == ("tank", "total")
    d = by_figure["14"].to_dict()
    assert d["via"] == [] and d["item"] == "tank" and d["scope"] == "total" and "group" in d
    assert {"via", "item"} <= set(by_figure["14"].to_dict(spec_only=True))
    assert Claim.from_dict(json.loads(json.dumps(d))).item == "tank"


def test_from_dict_reads_relays_stored_as_text_or_missing() -> None:
    base = {"doc": "d", "quote": "q", "figure": "1", "value": 1, "low": 1, "high": 1, "qualifier": "exact",
            "measure": "killed", "actor": None, "unit": "personnel", "source": "x", "as_of": None, "location": None}
    assert Claim.from_dict(base).via == []
    assert Claim.from_dict({**base, "via": None}).via == []
    assert Claim.from_dict({**base, "via": '["Ukrinform"]'}).via == ["Ukrinform"]


def test_ledger_stores_the_fields_and_migrates_an_older_file(tmp_path) -> None:
    import sqlite3

    from figtrace.model import Document
    from figtrace.store import Ledger
    from figtrace.store.db import apply_migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, 3)  # a ledger from before item, scope, group and via
    conn.close()
    text = "Ukrinform, citing the General Staff, said Russia lost 14 tanks since the war began."
    doc = Document(text=text, name="t.txt", published="2025-03-02", lang="en")
    claims = extract(text, lang="en", published="2025-03-02", doc="t.txt")
    claims[0].via = ["Ukrinform"]
    with Ledger(path) as led:
        led.add_document(doc, claims)
        [c] = led.claims()
        assert (c["item"], c["scope"], c["group"], c["via"]) == ("tank", "total", None, ["Ukrinform"])
        assert led.timeline(c["actor"], "equipment").points[0]["item"] == "tank"


def test_a_loss_list_is_one_claim_per_item_sharing_the_lists_scope() -> None:
    text = ("The General Staff said Russia had lost 10,930 tanks, 22,800 armoured combat vehicles, "
            "29,500 artillery systems, 420 aircraft, 340 helicopters, 41,000 drones, 3,300 cruise missiles "
            "and 28 ships since the invasion began.")
    claims = extract(text, lang="en", published="2025-06-12")
    assert [c.item for c in claims] == ["tank", "armoured vehicle", "artillery system", "aircraft", "helicopter",
                                        "drone", "missile", "ship"]
    assert {c.scope for c in claims} == {"total"}
    # the cue stands at the end of the list; the figures before it share it
    assert [c.rules["scope"] for c in claims] == ["list"] * 6 + ["cue"] * 2
    de = extract("Seit Kriegsbeginn verlor Russland 10.930 Panzer, 340 Hubschrauber und 41.000 Drohnen.",
                 lang="de", published="2025-06-12")
    assert [(c.item, c.scope) for c in de] == [("tank", "total"), ("helicopter", "total"), ("drone", "total")]


def test_every_output_format_carries_the_fields(tmp_path) -> None:
    """JSON Lines, CSV and Parquet of ``figtrace claims`` and ``figtrace extract`` all have item/scope/group/via."""
    import csv
    import io

    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from figtrace.cli import main

    art = tmp_path / "list.txt"
    art.write_text("Kyiv, 12 June 2025\n\nThe General Staff said Russia had lost 10,930 tanks and 41,000 drones "
                   "since the invasion began.\n", encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(main, ["extract", str(art), "--lang", "en", "--published", "2025-06-12", "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {"via", "item"} <= set(rows[0]) and [r["item"] for r in rows] == ["tank", "drone"]
    db = tmp_path / "l.db"
    assert runner.invoke(main, ["ingest", str(art), "--db", str(db), "--lang", "en", "--published",
                                "2025-06-12", "-q"]).exit_code == 0
    pq_path = tmp_path / "c.parquet"
    res = runner.invoke(main, ["claims", "--db", str(db), "--format", "parquet", "-o", str(pq_path)])
    assert res.exit_code == 0, res.output
    table = pq.read_table(pq_path).to_pylist()
    assert [(r["item"], r["scope"], r["via"]) for r in table] == [("tank", "total", []), ("drone", "total", [])]
    js = runner.invoke(main, ["claims", "--db", str(db), "--format", "jsonl"])
    assert all({"item", "scope", "group", "via"} <= set(json.loads(line)) for line in js.stdout.splitlines())
