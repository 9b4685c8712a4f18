# expect:
def broken(:
