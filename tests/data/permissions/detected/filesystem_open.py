# expect: filesystem-write
with open("log.txt", mode="a") as f:
    f.write("x")
