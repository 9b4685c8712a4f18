# expect: subprocess
from os import system

system("ls")
