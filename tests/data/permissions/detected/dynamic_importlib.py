# expect: dynamic-code
import importlib

importlib.import_module("json")
