import os

os.environ.setdefault("ESB_ENV", "test")
