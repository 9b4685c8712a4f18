# expect:
from . import subprocess  # the plugin's own module named like a standard one
from .network import get

get()
subprocess.run()
