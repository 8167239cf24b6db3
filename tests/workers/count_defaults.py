"""Count the default accounts over and over until told to stop; print every count seen.

python -m tests.workers.count_defaults DB STOP_FILE
"""

import json
import os
import sys

from smtp_tui.store.database import connect

db = connect(sys.argv[1])
seen = {}
while not os.path.exists(sys.argv[2]):
    with db.atomic():  # one consistent snapshot per sample
        count = db.execute_sql("SELECT COUNT(*) FROM smtp_account WHERE is_default").fetchone()[0]
    seen[count] = seen.get(count, 0) + 1
print(json.dumps(seen))
