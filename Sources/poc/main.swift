print("poc: not yet")
