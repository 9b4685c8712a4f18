# expect: filesystem-write
from pathlib import Path

Path("out.txt").write_text("x")
