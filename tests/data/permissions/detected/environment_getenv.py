# expect: environment
from os import getenv

getenv("HOME")
