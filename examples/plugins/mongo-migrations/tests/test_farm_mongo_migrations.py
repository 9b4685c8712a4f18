from pathlib import Path

import pytest

from farm_mongo_migrations import discover, plan


def write(directory: Path, name: str, body: str = "async def up(db):\n    pass\n") -> None:
    (directory / name).write_text(body)


def test_discover_orders_by_number_and_ignores_other_files(tmp_path):
    write(tmp_path, "0002_add_email_index.py")
    write(tmp_path, "0001_create_users.py")
    write(tmp_path, "helpers.py")
    write(tmp_path, "__init__.py", "")
    assert [m.id for m in discover(tmp_path)] == ["0001_create_users", "0002_add_email_index"]


def test_duplicate_numbers_are_rejected(tmp_path):
    write(tmp_path, "0001_a.py")
    write(tmp_path, "0001_b.py")
    with pytest.raises(ValueError, match="duplicate"):
        discover(tmp_path)


def test_plan_skips_applied_and_respects_target(tmp_path):
    for name in ("0001_a.py", "0002_b.py", "0003_c.py", "0004_d.py"):
        write(tmp_path, name)
    available = discover(tmp_path)
    assert [m.number for m in plan(available, {"0001_a"})] == [2, 3, 4]
    assert [m.number for m in plan(available, {"0001_a"}, target=3)] == [2, 3]


def test_load_requires_up(tmp_path):
    write(tmp_path, "0001_broken.py", "x = 1\n")
    (migration,) = discover(tmp_path)
    with pytest.raises(AttributeError):
        migration.load()
