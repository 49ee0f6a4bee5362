print("pocd: not yet")
