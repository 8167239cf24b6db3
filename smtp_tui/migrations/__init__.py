"""Numbered schema migrations, applied in order by `smtp_tui.database` on start.

Each script declares frozen copies of the tables it touches: never import
`smtp_tui.models` here, because the models describe only the newest schema.
"""
