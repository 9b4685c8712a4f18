# expect: filesystem-write
import shutil

shutil.rmtree("/tmp/x")
