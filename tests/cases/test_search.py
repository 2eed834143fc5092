import pytest
from sqlalchemy import func, select

from app.cases.models import Taxpayer
from app.cases.search import search_cases
from app.cases.search_keys import taxpayer_search_key
from app.extensions import db
from tests import factories as f


@pytest.fixture
def world(app):
    tax, water = f.department("TAX"), f.department("WATER")
    mine = f.case(tax, ref="C-AB-001", phones=(("+819012345678", "mobile", True),
                                                ("+81485550199", "fixed", False)))
    tp = mine.taxpayer
    tp.name, tp.name_kana = "佐藤 花子", "サトウ ハナコ"
    tp.search_key = taxpayer_search_key(tp.name, tp.name_kana)
    theirs = f.case(water, phones=(("+819012345678", "mobile", True),))
    db.session.commit()
    return {"tax": tax, "mine": mine, "theirs": theirs, "op": f.user("op1", "operator", tax),
            "manager": f.user("boss", "manager")}


@pytest.mark.parametrize("q", ["090-1234-5678", "09012345678", "+81 90 1234 5678", "(090) 1234-5678",
                               "819012345678", "048-555-0199"])
def test_phone_in_any_format(world, q):
    assert search_cases(q, world["op"]) == [world["mine"]]


def test_results_are_scoped_to_what_the_user_may_see(world):
    found = search_cases("090-1234-5678", world["manager"])
    assert {c.id for c in found} == {world["mine"].id, world["theirs"].id}
    assert search_cases(world["theirs"].case_ref, world["op"]) == []


@pytest.mark.parametrize("q", ["C-AB-001", "c-ab-001"])
def test_by_case_ref_ignoring_case(world, q):
    assert search_cases(q, world["op"]) == [world["mine"]]


def test_by_taxpayer_ref(world):
    ref = world["mine"].taxpayer.taxpayer_ref
    assert search_cases(ref.lower(), world["op"]) == [world["mine"]]


@pytest.mark.parametrize("q", ["佐藤", "花子", "さとう", "はなこ", "ｻﾄｳ", "サトウ　ハナコ"])
def test_by_partial_name_kanji_or_kana(world, q):
    assert search_cases(q, world["op"]) == [world["mine"]]


def test_no_match_and_wildcards_are_literal(world):
    assert search_cases("鈴木", world["op"]) == []
    assert search_cases("%", world["op"]) == []
    assert search_cases("   ", world["op"]) == []


def test_at_most_fifty(app):
    dept = f.department("TAX")
    op = f.user("op1", "operator", dept)
    for _ in range(55):
        f.case(dept)
    assert db.session.scalar(select(func.count()).select_from(Taxpayer)) == 55
    assert len(search_cases("山田", op)) == 50


def test_search_page_lists_matches(client, world):
    f.login(client, world["op"])
    page = client.get("/search?q=さとう").get_data(as_text=True)
    assert "C-AB-001" in page and f"/cases/{world['mine'].id}" in page
    assert world["theirs"].case_ref not in page
    empty = client.get("/search?q=nobody-here").get_data(as_text=True)
    assert 'data-testid="no-results"' in empty
