# expect: network
from urllib.request import urlopen

urlopen("https://example.org")
