def diagnose(scope, prev, new, line):
    return None
