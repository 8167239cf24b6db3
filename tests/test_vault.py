import stat

import pytest

from smtp_tui import credentials
from smtp_tui.errors import ValidationFailed
from smtp_tui.vault import Vault, VaultError
from tests.conftest import stored_bytes

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
    with pytest.raises(VaultError, match=rf"can be read by other users \(mode {unsafe:04o}\). Run: chmod 600"):
        Vault(key_file).decrypt(token)


def test_a_wrong_key_gives_a_clear_error(tmp_path):
    token = Vault(tmp_path / "one.key").encrypt(SECRET)
    Vault(tmp_path / "two.key").encrypt("other")
    with pytest.raises(VaultError, match="does not match the one the secrets were stored with"):
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
    assert failure.value.errors == {"name": "Name is required.", "username": "User name is required.",
                                    "secret": "Secret is required."}


def test_editing_a_credential_without_a_secret_keeps_the_stored_one(db, vault):
    credential = credentials.save(vault, name="relay", username="svc", secret=SECRET)
    credentials.save(vault, name="relay", username="svc2", secret=None, credential_id=credential.id)
    assert credentials.reveal(vault, credentials.get(credential.id)) == SECRET
