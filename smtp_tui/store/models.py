"""The peewee models: the stored shape of accounts, credentials, connectors and settings.

Models only. Rules live in `validation.py` and the services (`accounts.py`, ...); the
schema is created and changed by the numbered scripts in `smtp_tui/migrations/`, which
these classes must match.
"""

from __future__ import annotations

from datetime import UTC, datetime

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from smtp_tui import choices

database_proxy = DatabaseProxy()

SECURE_TYPES = ("SSL", "TLS")
# kind: its label. SSH is a bastion: the SMTP connection is a direct-tcpip channel through it.
CONNECTOR_KINDS = {"socks5": "SOCKS5", "http": "HTTP CONNECT", "ssh": "SSH"}
# How a credential logs in (kind: its label): a password, an OAuth2 access token sent as
# SASL XOAUTH2 with the mailbox as the user name, or an SSH private key (SSH connectors only).
CREDENTIAL_KINDS = {
    "password": "Password",
    "oauth2-client-credentials": "OAuth2 client credentials",
    "oauth2-device-code": "OAuth2 sign-in (device code)",
    "google-service-account": "Google service account",
    "ssh-key": "SSH key",
}
OAUTH2_PROVIDERS = choices.OAUTH2_PROVIDERS


def utc_now() -> datetime:
    """The current time in UTC, naive, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


# What peewee adds to a model as it builds the class is declared (an annotation, for the type
# checker) on the models whose callers use it: `id`, the primary key of a model that names
# none, and `<field>_id`, a foreign key's raw value.
class BaseModel(Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Credential(BaseModel):
    """A user name and an encrypted secret that an account or a connector logs in with: a
    password, or an OAuth2 login whose access token is sent as XOAUTH2 (credentials.KINDS)."""

    id: AutoField[int]
    name = CharField(unique=True)
    username = CharField()  # for OAuth2 kinds, the mailbox
    # A Fernet token from vault.py, never the plain secret: the password, the client secret, the
    # client certificate's private key (PEM), the Google service account's JSON key or the SSH
    # private key (OpenSSH or PEM); "" for a device-code login without a client secret.
    secret = TextField()
    # The SSH private key's passphrase, a Fernet token; "" when the key has none.
    passphrase = TextField(default="")
    kind = CharField(default="password")  # one of credentials.KINDS
    provider = CharField(default="")  # "", microsoft365, google: fills the URLs and the scope
    tenant = CharField(default="")  # Microsoft 365's tenant (a domain or a GUID)
    token_url = CharField(default="")
    device_url = CharField(default="")
    client_id = CharField(default="")
    scope = CharField(default="")
    # The PUBLIC certificate (PEM) of a client-certificate login; its key is in `secret`.
    certificate = TextField(default="")
    refresh_token = TextField(default="")  # a Fernet token, "" when none
    access_token = TextField(default="")  # a Fernet token, "" when none
    token_expires_at = DateTimeField(null=True)  # of the access token, UTC
    signed_in_at = DateTimeField(null=True)  # the last device-code sign-in, UTC
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)


class NetworkConnector(BaseModel):
    """A proxy (SOCKS5 or HTTP CONNECT) or an SSH bastion through which a segregated appliance
    reaches its server."""

    id: AutoField[int]
    name = CharField(unique=True)
    kind = CharField(default="socks5")  # one of CONNECTOR_KINDS
    host = CharField()
    port = IntegerField()
    # SSH only (migration 0012): the login (ssh://USER@HOST) and how the bastion's host key is
    # verified, by exactly one of a known_hosts file (its path) or a pinned "SHA256:..."
    # fingerprint; "" for proxies.
    username = CharField(default="")
    known_hosts = TextField(default="")
    host_key = CharField(default="")
    credential = ForeignKeyField(Credential, null=True, on_delete="RESTRICT", backref="connectors")
    credential_id: int | None
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)


class SmtpAccount(BaseModel):
    """One outbound SMTP account: who mail is from, and how to reach the server."""

    code = AutoField()  # never given again once deleted (AUTOINCREMENT on SQLite: migration 0008)
    name = CharField(unique=True)
    # validation.fold_name(name), set on every save: names that differ only in case clash on
    # its unique index (migration 0010).
    name_folded = CharField(unique=True)
    active = BooleanField(default=True, index=True)
    email = CharField(index=True)
    reply_to = CharField(default="")
    return_path = CharField(default="")
    confirmation_email = CharField(default="")
    is_default = BooleanField(default=False)
    read_confirmation = BooleanField(default=False)
    force_config = BooleanField(default=False)
    footer = BooleanField(default=False)
    host = CharField()
    port = IntegerField(default=25)
    secure = BooleanField(default=False)
    secure_type = CharField(null=True)  # one of SECURE_TYPES when secure
    authentication = BooleanField(default=False)
    ignore_cert_errors = BooleanField(default=False)
    use_connector = BooleanField(default=False)
    connector = ForeignKeyField(
        NetworkConnector, null=True, on_delete="RESTRICT", backref="accounts"
    )
    connector_id: int | None
    credential = ForeignKeyField(Credential, null=True, on_delete="RESTRICT", backref="accounts")
    credential_id: int | None
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)
    updated_by = CharField(default="")
    version = IntegerField(default=1)
    last_test_at = DateTimeField(null=True)
    last_test_outcome = CharField(null=True)  # "delivered", "checked", "failed AUTH", "cancelled"
    timeout = IntegerField(default=30)  # seconds, for each step of a test or a send


class TestRun(BaseModel):
    """One test e-mail attempt through an account: who, when, how it ended, its transcript."""

    # Not a pytest test class, whatever its name says.
    __test__ = False

    id: AutoField[int]
    account = ForeignKeyField(SmtpAccount, on_delete="CASCADE", backref="test_runs", index=True)
    started_at = DateTimeField(default=utc_now, index=True)
    started_by = CharField(default="")
    recipient = CharField(default="")
    mode = CharField(default="send")  # "send" or "check"
    outcome = CharField()  # "delivered", "checked", "failed", "cancelled"
    step = CharField(default="")  # where it stopped: resolve, connect, TLS, ... DATA
    summary = TextField(default="")
    hint = TextField(default="")
    duration_ms = IntegerField(default=0)
    transcript = TextField(default="")  # secrets masked


class ReportSchedule(BaseModel):
    """The report, e-mailed on a schedule, with the filters it was made with."""

    id: AutoField[int]
    frequency = CharField()  # daily | weekly | monthly
    weekday = IntegerField(null=True)  # 0 = Monday, for weekly
    day_of_month = IntegerField(null=True)  # 1-31, for monthly (the last day in shorter months)
    time_of_day = CharField()  # HH:MM, local to `timezone`
    timezone = CharField()  # an IANA name, e.g. Europe/Berlin
    recipients = TextField()  # comma-separated, validated
    format = CharField()  # csv | json | xlsx
    filters = TextField(default="{}")  # accounts.Filters as JSON
    sort_column = CharField(default="code")
    sort_descending = BooleanField(default=False)
    # None: the default account.
    account = ForeignKeyField(SmtpAccount, null=True, on_delete="SET NULL")
    account_id: int | None
    paused = BooleanField(default=False)
    next_run_at = DateTimeField(index=True)  # UTC
    last_run_at = DateTimeField(null=True)
    last_outcome = CharField(null=True)
    claimed_until = DateTimeField(null=True)  # a run holds the schedule until then
    claimed_by = CharField(null=True)
    created_by = CharField(default="")
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)


class ScheduleRun(BaseModel):
    schedule = ForeignKeyField(ReportSchedule, on_delete="CASCADE", backref="runs", index=True)
    started_at = DateTimeField()
    finished_at = DateTimeField(null=True)
    outcome = CharField()  # sent | failed
    rows = IntegerField(default=0)
    summary = TextField(default="")
    run_by = CharField(default="")


class AuditEvent(BaseModel):
    """One change, test, export, print or scheduled run: who, when, from where, what changed."""

    id: AutoField[int]
    at = DateTimeField(default=utc_now, index=True)  # UTC
    user = CharField(index=True)  # the operating-system user @ host
    client = CharField(default="")  # the SSH client's address, when there is one
    action = CharField(index=True)  # see audit.ACTIONS
    object_type = CharField()  # account, credential, connector, schedule, setting, report
    object_id = CharField(default="", index=True)
    object_name = CharField(default="")
    changes = TextField(default="{}")  # {field: [old, new]}; a secret only as "secret changed"
    summary = TextField(default="")


class Setting(BaseModel):
    """An application-wide value, such as the footer text appended to messages."""

    key = CharField(primary_key=True)
    value = TextField(default="")


ALL_MODELS = (
    Credential,
    NetworkConnector,
    SmtpAccount,
    TestRun,
    ReportSchedule,
    ScheduleRun,
    AuditEvent,
    Setting,
)
