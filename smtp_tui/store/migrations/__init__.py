"""Numbered schema migrations, applied in order by `smtp_tui.store.database` on start.

Each script declares frozen copies of the tables it touches: never import
`smtp_tui.store.models` here, because the models describe only the newest schema.
"""
