# expect: subprocess
import subprocess as sp

sp.run(["ls"], check=True)
