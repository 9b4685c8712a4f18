# expect: environment
import os

TOKEN = os.environ["TOKEN"]
