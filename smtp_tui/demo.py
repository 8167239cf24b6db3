"""Sample data so that a new user sees a living report at once (`smtp-tui --demo`)."""

from __future__ import annotations

import random

from smtp_tui import accounts, connectors, credentials
from smtp_tui.store.vault import Vault
from smtp_tui.validation import AccountInput

DEMO_SIZE = 75
_PURPOSES = (
    "Alerts",
    "Password rotation",
    "Access requests",
    "Session recording",
    "Audit reports",
    "Break-glass",
    "Approvals",
    "Certificate expiry",
    "Backup status",
    "Discovery",
)
_SITES = ("HQ", "São Paulo DC", "Frankfurt", "Dallas", "Singapore", "Lab", "DR site", "Toronto")
_DOMAINS = ("example.com", "example.org", "example.net", "corp.example.com", "ops.example.org")
_HOSTS = (
    ("smtp.example.com", 587, "TLS"),
    ("mail.example.org", 465, "SSL"),
    ("relay.example.net", 25, None),
    ("10.20.0.25", 25, None),
    ("smtp-relay.corp.example.com", 587, "TLS"),
    ("2001:db8::25", 465, "SSL"),
)


def fill(vault: Vault, size: int = DEMO_SIZE, seed: int = 7) -> int:
    """Add `size` sample accounts when there are none; returns how many were added."""
    if accounts.count():
        return 0
    rng = random.Random(seed)
    relay = credentials.save(
        vault, name="relay-service", username="svc-relay", secret=f"demo-{rng.getrandbits(64):x}"
    )
    o365 = credentials.save(
        vault,
        name="o365-notifier",
        username="notifier@example.com",
        secret=f"demo-{rng.getrandbits(64):x}",
    )
    dmz = connectors.save(
        name="DMZ SOCKS proxy", kind="socks5", host="proxy.dmz.example.com", port=1080
    )
    corp = connectors.save(
        name="Corporate HTTP proxy", kind="http", host="10.0.0.8", port=3128, credential_id=relay.id
    )
    for number in range(1, size + 1):
        purpose, site = _PURPOSES[number % len(_PURPOSES)], _SITES[number % len(_SITES)]
        domain = rng.choice(_DOMAINS)
        local = purpose.lower().replace(" ", "-").replace("break-glass", "breakglass")
        host, port, secure_type = rng.choice(_HOSTS)
        connector = rng.choice((None, None, None, dmz, corp))
        credential = rng.choice((None, relay, o365)) if secure_type else None
        accounts.save(
            AccountInput(
                name=f"{purpose} - {site} {number:02d}",
                active=rng.random() > 0.15,
                email=f"{local}-{number:02d}@{domain}",
                reply_to=f"pam-team@{domain}" if rng.random() > 0.4 else "",
                return_path=f"bounces@{domain}" if rng.random() > 0.5 else "",
                confirmation_email=f"read-receipts@{domain}" if rng.random() > 0.7 else "",
                is_default=number == 1,
                read_confirmation=rng.random() > 0.7,
                force_config=rng.random() > 0.6,
                footer=rng.random() > 0.5,
                host=host,
                port=port,
                secure=secure_type is not None,
                secure_type=secure_type,
                authentication=credential is not None,
                credential_id=credential.id if credential else None,
                ignore_cert_errors=secure_type is not None and rng.random() > 0.85,
                use_connector=connector is not None,
                connector_id=connector.id if connector else None,
            ),
            actor="demo",
        )
    return size
