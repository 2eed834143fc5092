"""The matches of a file's unchanged rows: aligned columns walked in line order."""

from app.cases.unchanged_rows import StoredMatches, in_line_order


def test_columns_out_of_line_order_are_sorted_together():
    columns = ([7, 3, 5], [70, 30, 50], [700, 300, 500], [1, 2, 1], [True, False, True])
    assert [list(c) for c in in_line_order(columns)] == [[3, 5, 7], [30, 50, 70], [300, 500, 700], [2, 1, 1],
                                                         [False, True, True]]
    ordered = ([1, 2], [10, 20], [100, 200], [1, 1], [False, False])
    assert in_line_order(ordered) is ordered


def test_the_chunks_walk_the_matches_in_line_order():
    matches = StoredMatches.of_rows([(9, 90, 900, 1, True), (4, 40, 400, 2, False)])
    assert len(matches) == 2 and matches.at(2) is None
    assert matches.at(4) == (40, 400, 2, False)
    assert matches.at(5) is None and matches.at(9) == (90, 900, 1, True) and matches.at(10) is None
    assert len(StoredMatches.of_rows([])) == 0 and StoredMatches().at(1) is None
