"""The review-notes readers (dashboard/review.py): pure, no database."""

from dashboard import review


def test_spans_split_bold_and_code():
    assert review.spans("a **b** and `c` d") == [
        ("text", "a "),
        ("strong", "b"),
        ("text", " and "),
        ("code", "c"),
        ("text", " d"),
    ]


def test_nested_lists_keep_their_numbers_and_continuations():
    text = (
        "## A. Section\n\n"
        "8. **Eight.** First line\n"
        "   goes on.\n"
        "   - inner one\n"
        "     - deeper\n"
        "   - inner two\n\n"
        "   After a blank line, still item eight.\n"
        "9. Nine.\n\n"
        "## B. Next\n"
    )
    heading, numbered, next_heading = review.markdown_blocks(text)
    assert (heading.kind, heading.level) == ("heading", 2)
    assert (numbered.ordered, numbered.start, len(numbered.items)) == (True, 8, 2)
    first, inner, after = numbered.items[0]
    assert first.spans == [("strong", "Eight."), ("text", " First line goes on.")]
    assert [item[0].spans for item in inner.items] == [
        [("text", "inner one")],
        [("text", "inner two")],
    ]
    assert inner.items[0][1].items[0][0].spans == [("text", "deeper")]
    assert after.spans == [("text", "After a blank line, still item eight.")]
    assert numbered.items[1][0].spans == [("text", "Nine.")]
    assert next_heading.spans == [("text", "B. Next")]


def test_missing_review_files_give_nothing(tmp_path):
    assert review.not_coded(tmp_path / "none.csv") == []
    assert review.conflicts(tmp_path / "none.md") == []
    assert review.workforce_skipped(tmp_path / "none.csv") == []


def test_not_coded_groups_largest_first_and_links_only_web_addresses(tmp_path):
    path = tmp_path / "not_coded.csv"
    path.write_text(
        "dataset,force,period_start,period_end,measure,count_or_status,reason_group,reason,"
        "source_url\n"
        "a,,2020-01-01,,m,1,one,r,https://www.example.org/x\n"
        "b,,,,m,2,two,r,ftp://example.org/y\n"
        "c,,,,m,3,two,r,javascript:alert(1)\n",
        encoding="utf-8",
    )
    groups = review.not_coded(path, known_datasets=frozenset({"a"}))
    assert [(g.reason, len(g.rows)) for g in groups] == [("two", 2), ("one", 1)]
    one = groups[1].rows[0]
    assert (one["url"], one["host"], one["dataset_known"]) == (
        "https://www.example.org/x",
        "example.org",
        True,
    )
    assert one["period_end"] is None
    assert [row["url"] for row in groups[0].rows] == ["", ""]
