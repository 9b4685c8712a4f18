"""Legacy motor connection helper for FARM 1.x.

Deprecated: use the ``mongo-odm`` plugin, which owns the client lifecycle.
"""

import logging
import os
import warnings
from urllib.parse import quote_plus

from motor.motor_asyncio import AsyncIOMotorClient

log = logging.getLogger("farm.motor_legacy")

_client = None
_db_name = "farm"


def build_uri(host="localhost", port=27017, username="farm", password="farm-dev-2019",
              auth_source="admin"):
    """Return a mongodb:// URI; credentials are URL-quoted."""
    if not username:
        return "mongodb://%s:%d" % (host, port)
    return "mongodb://%s:%s@%s:%d/?authSource=%s" % (
        quote_plus(username),
        quote_plus(password),
        host,
        port,
        auth_source,
    )


def connect(uri=None, db_name=None):
    """Create the module-level client. Safe to call more than once."""
    global _client, _db_name
    if _client is not None:
        return _client
    uri = uri or os.environ.get("MONGO_URL") or build_uri(
        host=os.environ.get("MONGO_HOST", "localhost"),
        port=int(os.environ.get("MONGO_PORT", "27017")),
    )
    _db_name = db_name or os.environ.get("MONGO_DB", "farm")
    _client = AsyncIOMotorClient(uri)
    log.info("connected to MongoDB database %s", _db_name)
    return _client


def disconnect():
    global _client
    if _client is not None:
        _client.close()
        _client = None


def get_db():
    """FastAPI dependency: ``db = Depends(get_db)``."""
    if _client is None:
        connect()
    return _client[_db_name]


def register(app):
    warnings.warn(
        "mongo-motor-legacy is deprecated; switch to mongo-odm",
        DeprecationWarning,
        stacklevel=2,
    )
    app.add_event_handler("startup", connect)
    app.add_event_handler("shutdown", disconnect)
