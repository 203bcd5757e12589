"""bench/results keeps one file per scale: the latest run's (bench.run.keep_latest)."""

from bench.run import keep_latest


def test_a_new_result_replaces_the_earlier_ones_at_its_scale_only(tmp_path):
    names = [
        "20261123-160811-1000000-cases.json",
        "20261204-214730-1000000-cases.json",
        "20261123-122100-100000-cases.json",
        "20261204-145645-20000-cases.json",
        "notes.txt",
    ]
    for name in names:
        (tmp_path / name).write_text("{}\n")
    latest = tmp_path / "20261206-020000-1000000-cases.json"
    latest.write_text("{}\n")

    removed = keep_latest(latest)

    assert [path.name for path in removed] == names[:2]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([latest.name, *names[2:]])


def test_the_first_result_at_a_scale_removes_nothing(tmp_path):
    latest = tmp_path / "20261206-020000-50000-cases.json"
    latest.write_text("{}\n")
    assert keep_latest(latest) == []
    assert latest.exists()
