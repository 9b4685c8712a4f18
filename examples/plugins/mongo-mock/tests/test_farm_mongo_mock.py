import asyncio

import pytest

from farm_mongo_mock import FakeDatabase, matches

DOC = {"name": "ada", "age": 36, "tags": ["math", "poetry"], "address": {"city": "London"}}


@pytest.mark.parametrize(("query", "expected"), [
    ({"name": "ada"}, True),
    ({"age": {"$gte": 30, "$lt": 40}}, True),
    ({"address.city": "London"}, True),
    ({"tags": "math"}, True),
    ({"tags": {"$in": ["chess", "poetry"]}}, True),
    ({"email": {"$exists": False}}, True),
    ({"$or": [{"name": "grace"}, {"age": 36}]}, True),
    ({"age": {"$gt": 40}}, False),
    ({"missing": {"$gt": 1}}, False),
    ({"address.city": "Paris"}, False),
])
def test_matches(query, expected):
    assert matches(DOC, query) is expected


def test_crud_round_trip():
    async def scenario():
        db = FakeDatabase()
        result = await db.users.insert_one({"name": "ada", "logins": 0})
        await db.users.update_one({"_id": result.inserted_id}, {"$inc": {"logins": 1}})
        user = await db.users.find_one({"name": "ada"})
        count = await db.users.count_documents({})
        deleted = await db.users.delete_one({"name": "ada"})
        return user, count, deleted.deleted_count, await db.list_collection_names()

    user, count, deleted, names = asyncio.run(scenario())
    assert user["logins"] == 1
    assert (count, deleted, names) == (1, 1, ["users"])


def test_sort_skip_limit():
    async def scenario():
        db = FakeDatabase()
        for n in [3, 1, 2, 5, 4]:
            await db.nums.insert_one({"n": n})
        return [d["n"] async for d in db.nums.find({}).sort("n", -1).skip(1).limit(2)]

    assert asyncio.run(scenario()) == [4, 3]
