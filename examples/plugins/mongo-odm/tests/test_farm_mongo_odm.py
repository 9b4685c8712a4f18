from typing import ClassVar

import pytest
from bson import ObjectId

from farm_mongo_odm import Document, build_filter


class User(Document):
    collection: ClassVar[str] = "users"
    name: str
    age: int = 0


def test_plain_equality():
    assert build_filter(name="ada") == {"name": "ada"}


def test_operators_are_grouped_per_field():
    assert build_filter(age__gte=18, age__lt=65) == {"age": {"$gte": 18, "$lt": 65}}


def test_nested_fields_use_dots():
    assert build_filter(address__city="Oslo") == {"address.city": "Oslo"}


def test_unknown_suffix_is_a_field_name():
    assert build_filter(address__zip__in=["0150"]) == {"address.zip": {"$in": ["0150"]}}


def test_id_is_converted_to_object_id():
    oid = ObjectId()
    assert build_filter(id=str(oid)) == {"_id": oid}


def test_round_trip_through_mongo_representation():
    oid = ObjectId()
    user = User.from_mongo({"_id": oid, "name": "Grace", "age": 85})
    assert user.id == str(oid)
    assert user.to_mongo() == {"_id": oid, "name": "Grace", "age": 85}


def test_new_document_has_no_id():
    assert "_id" not in User(name="Linus").to_mongo()


@pytest.mark.parametrize("value", [True, False])
def test_exists(value):
    assert build_filter(email__exists=value) == {"email": {"$exists": value}}
