# expect: native-code
from cffi import FFI

FFI()
