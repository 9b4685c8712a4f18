# expect: dynamic-code
def run(expr):
    return eval(expr)
