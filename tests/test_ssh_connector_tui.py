"""The connector form's SSH kind and "Fetch host key", and the credential form's SSH key,
driven with Pilot against a real asyncssh server on 127.0.0.1 (a host key generated here)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

import asyncssh
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from textual.events import Paste
from textual.widgets import DataTable, Input

from smtp_tui import connectors, credentials
from smtp_tui.app import SmtpApp
from smtp_tui.screens.connectors import ConnectorForm, ConnectorsScreen
from smtp_tui.screens.credentials import CredentialForm, CredentialsScreen
from smtp_tui.screens.host_key import HostKeyModal
from smtp_tui.screens.widgets import Choice, FormRow
from tests.conftest import stored_bytes
from tests.test_report import settle

PASSPHRASE = "c0rrect-Horse-b4ttery"


def seeded_key(seed: int) -> asyncssh.SSHKey:
    """An Ed25519 key made from a fixed seed: the same fingerprint on every run (snapshots)."""
    private = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return asyncssh.import_private_key(pem)


@dataclass
class Bastion:
    port: int
    fingerprint: str
    key_type: str


@pytest.fixture
async def bastion():
    """A real SSH server on 127.0.0.1, presenting a host key generated for the test."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(
        asyncssh.SSHServer, "127.0.0.1", 0, server_host_keys=[key]
    )
    port = server.sockets[0].getsockname()[1]
    yield Bastion(port, key.get_fingerprint("sha256"), key.get_algorithm())
    server.close()
    await server.wait_closed()


@pytest.fixture
async def silent_bastion():
    """A port that accepts the connection and never says a word: the fetch waits."""

    async def hold(reader, writer):
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app(context):
    return SmtpApp(context)


@pytest.fixture
def jump_login(context):
    return credentials.save(context.vault, name="jump login", username="jump", secret="pw-J1")


# Driving the forms ----------------------------------------------------------------------------


async def open_connector_form(pilot, kind: str = "ssh") -> ConnectorForm:
    await settle(pilot)
    await pilot.press("N")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConnectorsScreen)
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ConnectorForm)
    form.query_one("#f-kind", Choice).value = kind
    await settle(pilot)
    return form


async def fill(pilot, **values: str) -> None:
    for field, text in values.items():
        widget = pilot.app.screen.query_one(f"#f-{field}", Input)
        widget.focus()
        widget.value = text
        await pilot.pause()


async def fill_ssh(pilot, port: int, credential_id: int | None) -> None:
    await fill(pilot, name="bastion", host="127.0.0.1", port=str(port), username="jump")
    if credential_id is not None:
        pilot.app.screen.query_one("#f-credential").value = credential_id
    await pilot.pause()


async def fetch(pilot) -> None:
    """ctrl+f, until the dialog shows or the fetch ended (not `settle`: the fetch's worker
    waits for the dialog's answer)."""
    await pilot.press("ctrl+f")
    await pilot.pause(0.05)
    for _ in range(200):
        if isinstance(pilot.app.screen, HostKeyModal) or not pilot.app.screen.fetching:
            break
        await pilot.pause(0.05)
    await pilot.pause()


def shown_rows(form) -> list[str]:
    return [row.field for row in form.query(FormRow) if row.display]


def error_of(form, field: str) -> str:
    row = form.query_one(f"#row-{field}", FormRow)
    return row.error or "" if row.has_class("-invalid") else ""


def status_of(form) -> str:
    status = form.query_one("#host-key-status")
    return str(status.render()) if status.display else ""


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


# The SSH kind of the connector form -----------------------------------------------------------


async def test_ssh_kind_shows_its_rows_and_the_port_of_ssh(app):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_connector_form(pilot, "socks5")
        assert shown_rows(form) == ["name", "kind", "host", "port", "credential"]
        assert form.query_one("#f-port", Input).value == "1080"
        assert not form.query_one("#fetch-host-key").display
        form.query_one("#f-kind", Choice).value = "ssh"
        await settle(pilot)
        assert shown_rows(form) == [
            "name", "kind", "host", "port", "username", "credential", "check", "host_key"
        ]  # fmt: skip
        assert form.query_one("#f-port", Input).value == "22"
        assert form.query_one("#fetch-host-key").display
        # The other check: only its row is shown.
        form.query_one("#f-check", Choice).value = "known_hosts"
        await settle(pilot)
        assert shown_rows(form)[-1] == "known_hosts" and "host_key" not in shown_rows(form)


async def test_add_an_ssh_connector_pinning_the_fetched_host_key(app, bastion, jump_login):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_connector_form(pilot)
        await fill_ssh(pilot, bastion.port, jump_login.id)
        await fetch(pilot)
        dialog = app.screen
        assert isinstance(dialog, HostKeyModal)
        assert text_of(dialog, "#host-key-fingerprint") == bastion.fingerprint
        assert text_of(dialog, "#host-key-type") == bastion.key_type == "ssh-ed25519"
        assert "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" in text_of(
            dialog, "#host-key-question"
        )
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#f-host_key", Input).value == bastion.fingerprint
        assert "save to keep it" in status_of(form)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConnectorsScreen)
        saved = connectors.find("bastion")
        assert (saved.kind, saved.username, saved.port) == ("ssh", "jump", bastion.port)
        assert (saved.host_key, saved.known_hosts) == (bastion.fingerprint, "")
        row = [cell.plain for cell in app.screen.query_one(DataTable).get_row_at(0)]
        assert row[:4] == ["bastion", "SSH", f"jump@127.0.0.1:{bastion.port}", "jump login"]
        assert row[4].startswith("pinned SHA256:")


async def test_a_host_key_not_trusted_is_not_pinned(app, bastion):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_connector_form(pilot)
        await fill_ssh(pilot, bastion.port, None)
        await fetch(pilot)
        assert isinstance(app.screen, HostKeyModal)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#f-host_key", Input).value == ""
        assert status_of(form) == "Not trusted: nothing pinned."


async def test_an_unreachable_bastion_is_said_in_the_form_and_nothing_pinned(app):
    port = closed_port()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_connector_form(pilot)
        await fill_ssh(pilot, port, None)
        await fetch(pilot)
        assert app.screen is form
        assert form.query_one("#f-host_key", Input).value == ""
        status = status_of(form)
        assert status.startswith("✗ ") and f"127.0.0.1:{port}" in status
        assert form.query_one("#host-key-status").has_class("-failed")


async def test_escape_stops_a_fetch_and_leaves_the_form_open(app, silent_bastion):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_connector_form(pilot)
        await fill_ssh(pilot, silent_bastion, None)
        await pilot.press("ctrl+f")
        await pilot.pause(0.3)
        assert form.fetching
        assert f"Connecting to 127.0.0.1:{silent_bastion}…" in status_of(form)
        # The form answers while it waits: a field takes typing.
        await fill(pilot, name="bastion 2")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form and not form.fetching
        assert status_of(form) == "Stopped: no host key fetched, nothing changed."
        assert form.query_one("#f-host_key", Input).value == ""


async def test_a_changed_host_key_is_shown_beside_the_pinned_one(app, bastion, jump_login):
    pinned = seeded_key(7).get_fingerprint("sha256")
    connectors.save(
        name="bastion",
        kind="ssh",
        host="127.0.0.1",
        port=bastion.port,
        username="jump",
        credential_id=jump_login.id,
        host_key=pinned,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConnectorForm)
        await fetch(pilot)
        dialog = app.screen
        assert isinstance(dialog, HostKeyModal)
        assert text_of(dialog, "#host-key-pinned") == pinned
        assert text_of(dialog, "#host-key-fingerprint") == bastion.fingerprint
        assert "different host key" in text_of(dialog, "#host-key-changed")
        await pilot.press("n")
        await settle(pilot)
        assert form.query_one("#f-host_key", Input).value == pinned
        await fetch(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert form.query_one("#f-host_key", Input).value == bastion.fingerprint
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert connectors.find("bastion").host_key == bastion.fingerprint


async def test_errors_stand_under_their_fields_and_go_when_right(app, jump_login, tmp_path):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_connector_form(pilot)
        await fill(pilot, name="bastion", host="127.0.0.1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert error_of(form, "username") == "SSH user is required."
        assert error_of(form, "host_key").startswith("Verify the bastion's host key")
        assert "password or an SSH key" in error_of(form, "credential")
        form.query_one("#f-credential").value = jump_login.id
        await settle(pilot)
        await fill(pilot, host_key="SHA256:not-a-fingerprint")
        assert "SHA256" in error_of(form, "host_key")
        await fill(pilot, username="jump", host_key=seeded_key(3).get_fingerprint("sha256"))
        assert error_of(form, "username") == "" and error_of(form, "host_key") == ""
        # A known_hosts file that is not there: said under its own row.
        form.query_one("#f-check", Choice).value = "known_hosts"
        await settle(pilot)
        await fill(pilot, known_hosts=str(tmp_path / "missing"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a readable file" in error_of(form, "known_hosts")
        known = tmp_path / "known_hosts"
        known.write_text("")
        await fill(pilot, known_hosts=str(known))
        assert error_of(form, "known_hosts") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = connectors.find("bastion")
        assert (saved.known_hosts, saved.host_key) == (str(known), "")
        row = [cell.plain for cell in app.screen.query_one(DataTable).get_row_at(0)]
        assert row[4].startswith("known_hosts ")


# The SSH key credential -----------------------------------------------------------------------


@pytest.fixture
def ssh_key_file(tmp_path):
    """A real private key protected by a passphrase, in OpenSSH format."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path / "id_ed25519"
    path.write_bytes(key.export_private_key("openssh", PASSPHRASE))
    return path, key


async def open_credential_form(pilot) -> CredentialForm:
    await settle(pilot)
    await pilot.press("C")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CredentialsScreen)
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, CredentialForm)
    form.query_one("#f-kind").value = "ssh-key"
    await settle(pilot)
    return form


async def test_an_ssh_key_from_a_file_with_its_passphrase(app, context, ssh_key_file):
    path, key = ssh_key_file
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_credential_form(pilot)
        assert shown_rows(form) == ["name", "kind", "username", "key_source", "key_path",
                                    "passphrase"]  # fmt: skip
        await fill(pilot, name="jump key", username="jump", key_path=str(path))
        await fill(pilot, passphrase="wrong passphrase")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "passphrase" in error_of(form, "passphrase").lower()
        assert credentials.all_credentials() == []
        await fill(pilot, passphrase=PASSPHRASE)
        assert error_of(form, "passphrase") == ""
        assert PASSPHRASE not in app.export_screenshot()  # masked
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        saved = credentials.find("jump key")
        assert saved.kind == "ssh-key"
        stored = stored_bytes(context)
        assert PASSPHRASE.encode() not in stored
        assert str(path).encode() not in stored  # the path is not kept
        private = key.export_private_key("openssh").decode()
        assert private.splitlines()[2].encode() not in stored
        row = [cell.plain for cell in app.screen.query_one(DataTable).get_row_at(0)]
        assert row == ["jump key", "SSH key", "SSH key (encrypted)", "jump"]


async def test_a_pasted_ssh_key_keeps_its_lines_and_a_public_key_is_refused(app, context):
    key = asyncssh.generate_private_key("ssh-ed25519")
    private = key.export_private_key("openssh").decode()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_credential_form(pilot)
        form.query_one("#f-key_source", Choice).value = "pasted"
        await settle(pilot)
        assert "private_key" in shown_rows(form) and "key_path" not in shown_rows(form)
        await fill(pilot, name="pasted key", username="jump")
        field = form.query_one("#f-private_key", Input)
        field.focus()
        field.post_message(Paste(key.export_public_key().decode()))
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "public key" in error_of(form, "private_key")
        field.value = ""
        field.post_message(Paste(private))
        await settle(pilot)
        assert field.value == private  # every line, not the first
        assert error_of(form, "private_key") == ""
        assert private.splitlines()[2] not in app.export_screenshot()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        assert credentials.find("pasted key").kind == "ssh-key"
        assert private.splitlines()[2].encode() not in stored_bytes(context)


# How they look at 80x24 -----------------------------------------------------------------------


async def _ssh_form(pilot, *, errors: bool = False) -> None:
    """The new connector form, kind SSH, filled as a person would (or saved empty: errors)."""
    await open_connector_form(pilot)
    if errors:
        await fill(pilot, name="bastion", host="bastion.example.com")
        await pilot.press("ctrl+s")
    else:
        await fill(
            pilot,
            name="DMZ bastion",
            host="bastion.example.com",
            username="jump",
            host_key=seeded_key(1).get_fingerprint("sha256"),
        )
        pilot.app.screen.query_one("#f-credential").value = credentials.find("jump login").id
    await settle(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("errors", [False, True], ids=["filled", "errors"])
def test_ssh_connector_form_at_80x24(snap_compare, context, errors):
    credentials.save(context.vault, name="jump login", username="jump", secret="pw-J1")
    assert snap_compare(
        SmtpApp(context),
        terminal_size=(80, 24),
        run_before=lambda pilot: _ssh_form(pilot, errors=errors),
    )


@pytest.mark.parametrize("changed", [False, True], ids=["first-use", "changed"])
def test_host_key_dialog_at_80x24(snap_compare, context, changed):
    credentials.save(context.vault, name="jump login", username="jump", secret="pw-J1")
    presented = seeded_key(1)
    pinned = seeded_key(2).get_fingerprint("sha256") if changed else ""

    async def dialog(pilot) -> None:
        await _ssh_form(pilot)
        pilot.app.push_screen(
            HostKeyModal(
                "bastion.example.com:22",
                presented.get_algorithm(),
                presented.get_fingerprint("sha256"),
                pinned=pinned,
            )
        )
        await settle(pilot)

    assert snap_compare(SmtpApp(context), terminal_size=(80, 24), run_before=dialog)
