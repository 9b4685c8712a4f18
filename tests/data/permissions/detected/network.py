# expect: network
import requests as http  # noqa

http.get("https://example.org", timeout=5)
