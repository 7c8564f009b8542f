"""Fidelity check: the official Azure Python SDKs (unchanged) against our Key Vault emulator.

Run by tests/tests/python.rs with EMULATOR_URL and EMULATOR_CERT (the emulator's self-signed
certificate, PEM). Only settings any SDK user needs for a local server are used: trusting the
certificate (`connection_verify`), `verify_challenge_resource=False` (the challenge names the
emulator, not vault.azure.net), and a credential that returns a token (the emulator accepts any
bearer token after its challenge, as other emulators do). Every client runs at its SDK's default
api-version, printed as it is used, so the emulator is checked against what users send.
"""

import hashlib
import os
import sys
import time

from azure.core.credentials import AccessToken
from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, SignatureAlgorithm
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import (
    AccessPolicyEntry,
    Permissions,
    Sku,
    VaultCreateOrUpdateParameters,
    VaultProperties,
)

URL = os.environ["EMULATOR_URL"]
CERT = os.environ["EMULATOR_CERT"]
TENANT = "00000000-0000-0000-0000-00000000e001"


class StaticCredential:
    """Any token will do for the emulator; a real app would use azure-identity."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("python-fidelity-token", int(time.time()) + 3600)

    def get_token_info(self, *scopes, options=None):
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo("python-fidelity-token", int(time.time()) + 3600)


CREDENTIAL = StaticCredential()
DATA_PLANE = dict(
    connection_verify=CERT,
    verify_challenge_resource=False,
)


def using(name, api_version):
    """Says which api-version a client sends (its SDK's default)."""
    print(f"api-version: {name} {api_version}")


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def secrets(vault_url):
    client = SecretClient(vault_url, CREDENTIAL, **DATA_PLANE)
    using("SecretClient", client.api_version)
    client.set_secret("py-secret", "v1")
    client.set_secret("py-secret", "v2")
    check(client.get_secret("py-secret").value == "v2", "secrets: set twice, get latest")
    names = [s.name for s in client.list_properties_of_secrets()]
    check("py-secret" in names, "secrets: list")
    versions = list(client.list_properties_of_secret_versions("py-secret"))
    check(len(versions) == 2, "secrets: list versions")
    # Key Vault's delete/recover pollers return the result at once; wait() waits for the
    # operation itself (as the SDK documents).
    poller = client.begin_delete_secret("py-secret", _polling_interval=0.1)
    poller.wait()
    deleted = poller.result()
    check(deleted.recovery_id.endswith("/deletedsecrets/py-secret"), "secrets: delete poller")
    poller = client.begin_recover_deleted_secret("py-secret", _polling_interval=0.1)
    poller.wait()
    recovered = poller.result()
    check(recovered.name == "py-secret", "secrets: recover poller")
    check(client.get_secret("py-secret").value == "v2", "secrets: value back after recover")
    client.begin_delete_secret("py-secret", _polling_interval=0.1).wait()
    client.purge_deleted_secret("py-secret")
    try:
        client.get_deleted_secret("py-secret")
        check(False, "secrets: purge")
    except ResourceNotFoundError:
        check(True, "secrets: purge")


def keys(vault_url):
    client = KeyClient(vault_url, CREDENTIAL, **DATA_PLANE)
    using("KeyClient", client.api_version)
    key = client.create_rsa_key("py-rsa", size=2048)
    check(key.key_type in ("RSA", "RSA-HSM") and key.key.n, "keys: create RSA")
    crypto = CryptographyClient(key, CREDENTIAL, **DATA_PLANE)
    using("CryptographyClient", crypto.api_version)
    digest = hashlib.sha256(b"fidelity").digest()
    signed = crypto.sign(SignatureAlgorithm.rs256, digest)
    check(crypto.verify(SignatureAlgorithm.rs256, digest, signed.signature).is_valid, "keys: sign + verify RS256")
    encrypted = crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"plaintext")
    check(crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, encrypted.ciphertext).plaintext == b"plaintext", "keys: encrypt + decrypt RSA-OAEP-256")
    ec = client.create_ec_key("py-ec", curve="P-256")
    ec_crypto = CryptographyClient(ec, CREDENTIAL, **DATA_PLANE)
    signed = ec_crypto.sign(SignatureAlgorithm.es256, digest)
    check(ec_crypto.verify(SignatureAlgorithm.es256, digest, signed.signature).is_valid, "keys: sign + verify ES256")


def certificates(vault_url):
    client = CertificateClient(vault_url, CREDENTIAL, **DATA_PLANE)
    using("CertificateClient", client.api_version)
    poller = client.begin_create_certificate("py-cert", CertificatePolicy.get_default(), _polling_interval=0.2)
    certificate = poller.result()
    check(certificate.cer and len(certificate.cer) > 300, "certificates: create poller")
    check(client.get_certificate("py-cert").properties.x509_thumbprint == certificate.properties.x509_thumbprint, "certificates: get")


def management():
    client = KeyVaultManagementClient(
        CREDENTIAL,
        "00000000-0000-0000-0000-000000000sub",
        base_url=URL,
        credential_scopes=[URL + "/.default"],
        connection_verify=CERT,
        polling_interval=0.1,
    )
    using("KeyVaultManagementClient", client._config.api_version)
    policy = AccessPolicyEntry(
        tenant_id=TENANT,
        object_id="00000000-0000-0000-0000-0000000000b1",
        permissions=Permissions(secrets=["get", "set", "list", "delete"]),
    )
    parameters = VaultCreateOrUpdateParameters(
        location="westeurope",
        properties=VaultProperties(tenant_id=TENANT, sku=Sku(family="A", name="standard"), access_policies=[policy]),
    )
    vault = client.vaults.begin_create_or_update("py-rg", "py-vault", parameters).result()
    host = URL.rsplit(":", 1)[0]
    check(vault.properties.vault_uri.startswith(host), f"management: vault created at {vault.properties.vault_uri}")
    check(vault.properties.provisioning_state == "Succeeded", "management: provisioning finished")
    check(len(client.vaults.get("py-rg", "py-vault").properties.access_policies) == 1, "management: access policies")
    return vault.properties.vault_uri


def main():
    vault_url = management()
    secrets(vault_url)
    keys(vault_url)
    certificates(vault_url)
    print("python fidelity: all checks passed")


if __name__ == "__main__":
    main()
