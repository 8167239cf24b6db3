"""Save the same two accounts N times, moving the default between them; report what happened.

python -m tests.workers.save_loop DB KEY_FILE WORKER N
"""

import json
import sys
from dataclasses import replace

from smtp_tui import accounts
from smtp_tui.errors import Refused, StaleEdit
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.validation import AccountInput

database, key_file, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
AppContext.open(Config(database=database, key_file=key_file))
applied, conflicts, busy = [], 0, 0
for i in range(count):
    code = 1 + (i + worker) % 2
    current = accounts.get(code)
    port = (
        10000 + worker * 1000 + i
    )  # unique: every applied save is recognisable in the audit trail
    try:
        accounts.save(
            replace(AccountInput.from_account(current), port=port, is_default=True),
            code=code,
            expected_version=current.version,
            actor=f"worker-{worker}",
        )
        applied.append(port)
    except StaleEdit:
        conflicts += 1
    except Refused:
        busy += 1
print(json.dumps({"applied": applied, "conflicts": conflicts, "busy": busy}))
