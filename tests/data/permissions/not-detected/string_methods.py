# expect:
import re

name = "a.b".replace(".", "_")
pattern = re.compile("x")
with open("data.txt") as f:
    text = f.read()
with open("data.bin", "rb") as f:
    blob = f.read()
