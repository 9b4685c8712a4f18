# expect: native-code
import ctypes

ctypes.CDLL("libc.so.6")
