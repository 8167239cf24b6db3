"""SSH private keys as a person gives them (OpenSSH or PEM, maybe with a passphrase): checked
by asyncssh when a credential is saved, opened when a send logs in to a bastion.

asyncssh is imported in the functions: this module is imported by validation on a save of an
SSH key, and nothing else of the program should pay for asyncssh (only an SSH send does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asyncssh import SSHKey

# The first words of what people paste by mistake: a public key, not its private half.
PUBLIC_KEY_STARTS = (
    "ssh-",
    "ecdsa-sha2-",
    "sk-",
    "-----BEGIN PUBLIC KEY",
    "-----BEGIN RSA PUBLIC KEY",
    "---- BEGIN SSH2 PUBLIC KEY",
)


def open_key(text: str, passphrase: str = "") -> SSHKey:
    """The private key, decrypted with `passphrase` ("" when it has none). Raises asyncssh's
    KeyImportError (KeyEncryptionError for a wrong passphrase)."""
    import asyncssh

    return asyncssh.import_private_key(text.strip() + "\n", passphrase or None)


def key_problem(text: str, passphrase: str = "") -> dict[str, str]:
    """What is wrong with an SSH private key and its passphrase, keyed by the field to show it
    under ("secret" or "passphrase"); {} when the key opens."""
    import asyncssh

    if text.lstrip().startswith(PUBLIC_KEY_STARTS):
        return {
            "secret": "That is a public key (the .pub file). Give the private key: the file "
            "without .pub, starting with -----BEGIN."
        }
    try:
        open_key(text, passphrase)
    except asyncssh.KeyEncryptionError:
        return {"passphrase": "The passphrase does not open this key. Check it and try again."}
    except asyncssh.KeyImportError as exc:
        reason = str(exc)
        if "Passphrase must be specified" in reason:
            return {"passphrase": "This key is protected by a passphrase: give it."}
        if "decrypt" in reason.lower():
            return {"passphrase": "The passphrase does not open this key. Check it and try again."}
        return {
            "secret": "This is not an SSH private key asyncssh can read (OpenSSH or PEM, "
            "starting with -----BEGIN ... PRIVATE KEY-----)."
        }
    return {}
