import base64
import json
import os
import stat
import subprocess
import sys

import pytest

from smtp_tui import audit, credentials
from smtp_tui.errors import ValidationFailed
from smtp_tui.store.context import AppContext
from smtp_tui.store.key_records import DatabaseKeyRecords
from smtp_tui.store.vault import Vault, VaultError
from tests.conftest import stored_bytes
from tests.test_cli_commands import Cli

SECRET = "Tr0ub4dor&3-unique-secret"


def test_the_key_file_is_created_private_on_first_use(tmp_path):
    vault = Vault(tmp_path / "keys" / "secret.key")
    assert not vault.key_file.exists()
    token = vault.encrypt(SECRET)
    assert stat.S_IMODE(vault.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.key_file.parent.stat().st_mode) == 0o700
    assert SECRET not in token
    assert Vault(vault.key_file).decrypt(token) == SECRET


def test_the_secret_is_absent_from_the_database(context):
    credential = credentials.save(context.vault, name="relay", username="svc", secret=SECRET)
    stored = stored_bytes(context)
    assert b"relay" in stored and SECRET.encode() not in stored
    assert credentials.reveal(context.vault, credentials.get(credential.id)) == SECRET


@pytest.mark.sqlite_only
def test_the_secret_is_absent_from_the_wal_before_a_checkpoint(context, tmp_path):
    credentials.save(context.vault, name="relay", username="svc", secret=SECRET)
    contents = b"".join(p.read_bytes() for p in tmp_path.glob("smtp.db*"))
    assert b"relay" in contents  # the record is really there...
    assert SECRET.encode() not in contents  # ...its secret is not


@pytest.mark.parametrize("unsafe", [0o640, 0o604, 0o666])
def test_a_key_file_readable_by_others_is_refused(tmp_path, unsafe):
    key_file = tmp_path / "secret.key"
    token = Vault(key_file).encrypt(SECRET)
    key_file.chmod(unsafe)
    with pytest.raises(
        VaultError, match=rf"can be read by other users \(mode {unsafe:04o}\). Run: chmod 600"
    ):
        Vault(key_file).decrypt(token)


def test_a_wrong_key_gives_a_clear_error(tmp_path):
    token = Vault(tmp_path / "one.key").encrypt(SECRET)
    Vault(tmp_path / "two.key").encrypt("other")
    with pytest.raises(VaultError, match="does not match the one this secret was stored with"):
        Vault(tmp_path / "two.key").decrypt(token)


def test_a_missing_key_gives_a_clear_error_and_is_not_recreated(tmp_path):
    token = Vault(tmp_path / "one.key").encrypt(SECRET)
    (tmp_path / "one.key").unlink()
    with pytest.raises(VaultError, match="is missing, so stored secrets cannot be read"):
        Vault(tmp_path / "one.key").decrypt(token)
    assert not (tmp_path / "one.key").exists()


def test_a_corrupt_key_file_gives_a_clear_error(tmp_path):
    key_file = tmp_path / "bad.key"
    key_file.write_text("not a key")
    key_file.chmod(0o600)
    with pytest.raises(VaultError, match="is not a valid smtp-tui key"):
        Vault(key_file).encrypt(SECRET)


def test_a_credential_needs_a_name_a_user_and_a_secret(db, vault):
    with pytest.raises(ValidationFailed) as failure:
        credentials.save(vault, name=" ", username="", secret="")
    assert failure.value.errors == {
        "name": "Name is required.",
        "username": "User name is required.",
        "secret": "Secret is required.",
    }


def test_editing_a_credential_without_a_secret_keeps_the_stored_one(db, vault):
    credential = credentials.save(vault, name="relay", username="svc", secret=SECRET)
    credentials.save(vault, name="relay", username="svc2", secret=None, credential_id=credential.id)
    assert credentials.reveal(vault, credentials.get(credential.id)) == SECRET


# The key file on a full disk ------------------------------------------------------------------


def test_a_key_file_that_cannot_be_written_leaves_nothing_behind(tmp_path):
    """A write past the file-size limit fails as on a full disk (EFBIG instead of ENOSPC).

    Unlike a full disk, it needs no root.
    """
    code = (
        "import resource, signal, sys\n"
        "from smtp_tui.store.vault import Vault, VaultError\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))\n"
        "try:\n    Vault(sys.argv[1]).encrypt('x')\nexcept VaultError as exc:\n    print(exc)\n"
    )
    key_file = tmp_path / "keys" / "secret.key"
    result = subprocess.run(
        [sys.executable, "-c", code, str(key_file)], capture_output=True, text=True, timeout=60
    )
    assert (result.stdout, result.stderr) == (
        f"Cannot create the key file {key_file}: File too large.\n",
        "",
    )
    assert list(key_file.parent.iterdir()) == []  # no 0-byte key, no temporary file


def test_a_key_file_on_a_full_disk_is_one_line_and_nothing_is_saved(tmp_path, full_disk):
    cli = Cli(tmp_path)
    key_file = full_disk.path / "secret.key"
    cli.env["SMTP_TUI_KEY_FILE"] = str(key_file)
    full_disk.fill()
    result = cli("credentials", "add", "relay", "--username", "svc", input=SECRET + "\n")
    assert (result.returncode, result.stdout) == (1, "")
    assert (
        result.stderr
        == f"smtp-tui: Cannot create the key file {key_file}: No space left on device.\n"
    )
    assert sorted(p.name for p in full_disk.path.iterdir()) == [".filler"]
    full_disk.empty()
    assert credential_names(cli) == []
    assert (
        cli("credentials", "add", "relay", "--username", "svc", input=SECRET + "\n").returncode == 0
    )


def test_an_empty_key_file_left_by_an_older_version_is_explained(tmp_path):
    key_file = tmp_path / "secret.key"
    key_file.touch(mode=0o600)
    with pytest.raises(
        VaultError,
        match=rf"^The key file {key_file} is empty, so it holds no key .*"
        "If this database holds no secret yet, delete the file",
    ):
        Vault(key_file).encrypt(SECRET)


def test_two_processes_creating_the_key_at_once_end_with_one_key(tmp_path):
    """The key is linked into place, never renamed over: whoever comes second uses the first key."""
    key_file = tmp_path / "secret.key"
    code = (
        "import sys\nfrom smtp_tui.store.vault import Vault\n"
        "print(Vault(sys.argv[1]).encrypt('x'))\n"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(key_file)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    tokens = [run.communicate(timeout=60)[0].strip() for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert [Vault(key_file).decrypt(token) for token in tokens] == ["x"] * 4
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


# One key per database: its fingerprint is recorded, so a lost key is never replaced ------------


def keyed(tmp_path, name: str) -> Cli:
    cli = Cli(tmp_path)
    cli.env["SMTP_TUI_KEY_FILE"] = str(tmp_path / name)
    return cli


def add_credential(cli, name: str):
    return cli("credentials", "add", name, "--username", "svc", input=SECRET + "\n")


def credential_names(cli) -> list[str]:
    return [c["name"] for c in json.loads(cli("credentials", "list", "--json").stdout)]


def test_a_lost_key_file_is_never_replaced(tmp_path):
    cli = keyed(tmp_path, "secret.key")
    assert add_credential(cli, "relay").returncode == 0
    (tmp_path / "secret.key").unlink()
    for attempt in (cli, keyed(tmp_path, "elsewhere.key")):  # the same path, or another one given
        result = add_credential(attempt, "second")
        assert result.returncode == 1 and "Traceback" not in result.stderr
        key_file = attempt.env["SMTP_TUI_KEY_FILE"]
        assert result.stderr == (
            f"smtp-tui: The key file {key_file} is missing, and this database already has a key: "
            "its secrets need that one. Restore the key file from a backup, "
            "or point --key-file at it: "
            "smtp-tui does not make another key for a database that has one.\n"
        )
        assert not os.path.exists(key_file)
    assert credential_names(cli) == ["relay"]
    demo = keyed(tmp_path, "elsewhere.key")(
        "--demo", "accounts", "list"
    )  # the demo stores secrets too
    assert (demo.returncode, demo.stdout) == (1, "")
    assert demo.stderr.startswith("smtp-tui: The key file ") and len(demo.stderr.splitlines()) == 1


def test_another_key_file_is_refused_naming_what_may_have_happened(context, tmp_path):
    credentials.save(context.vault, name="relay", username="svc", secret=SECRET)
    Vault(tmp_path / "other.key").encrypt("a key made for another database")
    other = Vault(tmp_path / "other.key", DatabaseKeyRecords())
    with pytest.raises(VaultError) as refusal:
        credentials.save(other, name="second", username="svc", secret=SECRET)
    assert str(refusal.value) == (
        f"The key file {tmp_path / 'other.key'} is not the key "
        "this database's secrets are stored with: "
        "another key file was given (--key-file or SMTP_TUI_KEY_FILE), or the file was replaced. "
        "Point --key-file at the original key, or restore it from a backup."
    )
    with pytest.raises(VaultError, match="is not the key this database's secrets are stored with"):
        other.decrypt(credentials.find("relay").secret)
    assert [c.name for c in credentials.all_credentials()] == ["relay"]


def test_the_fingerprint_is_recorded_with_the_first_secret_and_reveals_nothing(context):
    assert context.database.execute_sql("SELECT COUNT(*) FROM setting").fetchone()[0] == 0
    credentials.save(context.vault, name="relay", username="svc", secret=SECRET)
    (fingerprint,) = context.database.execute_sql(
        "SELECT value FROM setting WHERE key = 'key_fingerprint'"
    ).fetchone()
    key = context.vault.key_file.read_bytes().strip()
    raw = base64.urlsafe_b64decode(key)
    assert len(fingerprint) == 32 and all(c in "0123456789abcdef" for c in fingerprint)
    assert (
        fingerprint not in key.decode()
        and fingerprint not in raw.hex()
        and fingerprint not in key.hex()
    )
    event = audit.AuditEvent.get(audit.AuditEvent.object_id == "key_fingerprint")
    assert (event.action, event.object_type) == ("create", "setting")


def test_a_database_with_secrets_from_before_the_fingerprint_adopts_the_key_that_reads_them(
    context, tmp_path
):
    """A database of an older version holds secrets and no fingerprint: the first key that decrypts
    one of them is recorded; a key that cannot is refused, and so is a missing one."""
    credentials.save(context.vault, name="relay", username="svc", secret=SECRET)
    context.database.execute_sql("DELETE FROM setting")  # as an older version left it

    def attempt(key_file):
        return credentials.save(
            Vault(key_file, DatabaseKeyRecords()), name="second", username="svc", secret="s2"
        )

    with pytest.raises(VaultError, match="is missing, so stored secrets cannot be read"):
        attempt(tmp_path / "missing.key")
    assert not (tmp_path / "missing.key").exists()
    Vault(tmp_path / "other.key").encrypt("x")
    with pytest.raises(VaultError, match="is not the key this database's secrets are stored with"):
        attempt(tmp_path / "other.key")
    assert DatabaseKeyRecords().fingerprint() is None and [
        c.name for c in credentials.all_credentials()
    ] == ["relay"]
    right = Vault(context.vault.key_file, DatabaseKeyRecords())
    assert (
        right.decrypt(credentials.find("relay").secret) == SECRET
    )  # reading is enough to adopt it
    assert DatabaseKeyRecords().fingerprint() is not None
    attempt(context.vault.key_file)
    assert credentials.reveal(context.vault, credentials.find("second")) == "s2"


async def test_the_tui_tells_a_missing_key_where_the_secret_was_typed(context):
    from smtp_tui.app import SmtpApp
    from smtp_tui.screens.credentials import CredentialForm
    from tests.test_account_form import type_text
    from tests.test_report import settle

    credentials.save(context.vault, name="relay", username="svc", secret=SECRET)
    context.vault.key_file.unlink()
    app = SmtpApp(AppContext.open(context.config))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("C", "n")
        for field, text in (("name", "second"), ("username", "svc"), ("secret", "pw")):
            await type_text(pilot, field, text)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CredentialForm)  # kept open, nothing lost
        assert any("is missing" in str(n.message) for n in app._notifications)
    assert not context.vault.key_file.exists()
