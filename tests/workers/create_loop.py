"""Create accounts one after another, printing `ACK code` once each save has returned.

python -m tests.workers.create_loop DB KEY_FILE N
"""

import sys

from smtp_tui import accounts
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.validation import AccountInput

database, key_file, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
AppContext.open(Config(database=database, key_file=key_file))
for n in range(count):
    saved = accounts.save(
        AccountInput(
            name=f"Crash test {n:04d}",
            email=f"crash{n}@example.com",
            host="smtp.example.com",
            port=25,
        )
    )
    print(f"ACK {saved.code}", flush=True)
