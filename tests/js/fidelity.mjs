// Fidelity check: the official Azure JavaScript SDKs (unchanged, pinned in package-lock.json)
// against our Key Vault emulator.
//
// Run by tests/tests/js.rs with EMULATOR_URL, and NODE_EXTRA_CA_CERTS naming the emulator's
// self-signed certificate (PEM). Only settings any SDK user needs for a local server are used:
// trusting the certificate (NODE_EXTRA_CA_CERTS), `disableChallengeResourceVerification` (the
// challenge names the emulator, not vault.azure.net), the management `endpoint` and
// `credentialScopes`, and a credential that returns a token (the emulator accepts any bearer
// token after its challenge). The emulator's own controls check more: fault injection
// (`/_emulator/faults`) the SDK's retries, the simulated clock (`/_emulator/clock`) key expiry.
// Every client runs at its SDK's default api-version, printed as it is first sent.

import { createHash } from "node:crypto";
import dns from "node:dns";
import https from "node:https";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import {
  CertificateClient,
  DefaultCertificatePolicy,
} from "@azure/keyvault-certificates";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";

const URL_ = process.env.EMULATOR_URL;
const TENANT = "00000000-0000-0000-0000-00000000e001";
const SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a5";

/** Any token will do for the emulator; a real app would use @azure/identity. */
const credential = {
  async getToken() {
    return { token: "js-fidelity-token", expiresOnTimestamp: Date.now() + 3600_000 };
  },
};

let passed = 0;
function check(condition, what) {
  if (!condition) {
    console.log(`FAILED: ${what}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok: ${what}`);
}

/** A per-call policy that prints the api-version a client sends, once per client. */
function apiVersionReporter(name) {
  let seen = false;
  return {
    policy: {
      name: "apiVersionReporter",
      async sendRequest(request, next) {
        const version = new URL(request.url).searchParams.get("api-version");
        if (!seen && version) {
          seen = true;
          console.log(`api-version: ${name} ${version}`);
        }
        return next(request);
      },
    },
    position: "perCall",
  };
}

function dataPlane(name) {
  return {
    disableChallengeResourceVerification: true,
    additionalPolicies: [apiVersionReporter(name)],
  };
}

const fast = { intervalInMs: 100 };

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function management() {
  const client = new KeyVaultManagementClient(credential, SUBSCRIPTION, {
    endpoint: URL_,
    credentialScopes: [`${URL_}/.default`],
    additionalPolicies: [apiVersionReporter("KeyVaultManagementClient")],
  });
  const parameters = {
    location: "westeurope",
    properties: {
      tenantId: TENANT,
      sku: { family: "A", name: "standard" },
      accessPolicies: [
        {
          tenantId: TENANT,
          objectId: "00000000-0000-0000-0000-0000000000b1",
          permissions: { secrets: ["get", "set", "list", "delete"] },
        },
      ],
      softDeleteRetentionInDays: 7,
    },
  };
  const vault = await client.vaults.beginCreateOrUpdateAndWait("js-rg", "js-vault", parameters, {
    updateIntervalInMs: 100,
  });
  const host = URL_.slice(0, URL_.lastIndexOf(":"));
  check(vault.properties.vaultUri.startsWith(host), `management: vault created at ${vault.properties.vaultUri}`);
  check(vault.properties.provisioningState === "Succeeded", "management: provisioning finished");
  const got = await client.vaults.get("js-rg", "js-vault");
  check(got.properties.accessPolicies.length === 1, "management: get, with its access policy");
  const inGroup = await collect(client.vaults.listByResourceGroup("js-rg"));
  check(inGroup.some((v) => v.name === "js-vault"), "management: list by resource group");
  // vaults.list goes through ARM's generic resource list (api-version 2015-11-01).
  const inSubscription = await collect(client.vaults.list());
  check(inSubscription.some((v) => v.name === "js-vault"), "management: list by subscription");

  // A second vault for the delete / list deleted / purge cycle.
  await client.vaults.beginCreateOrUpdateAndWait("js-rg", "js-doomed", parameters, {
    updateIntervalInMs: 100,
  });
  await client.vaults.delete("js-rg", "js-doomed");
  const deleted = await collect(client.vaults.listDeleted());
  const doomed = deleted.find((d) => d.name === "js-doomed");
  check(doomed !== undefined, "management: delete, then list deleted");
  const purgeIn = doomed.properties.scheduledPurgeDate - doomed.properties.deletionDate;
  check(purgeIn === 7 * 24 * 3600 * 1000, "management: scheduled purge after the retention days");
  const one = await client.vaults.getDeleted("js-doomed", "westeurope");
  check(one.properties.vaultId.endsWith("/vaults/js-doomed"), "management: get deleted");
  await client.vaults.beginPurgeDeletedAndWait("js-doomed", "westeurope", { updateIntervalInMs: 100 });
  const afterPurge = await collect(client.vaults.listDeleted());
  check(!afterPurge.some((d) => d.name === "js-doomed"), "management: purge");
  return vault.properties.vaultUri;
}

async function secrets(vaultUrl) {
  const client = new SecretClient(vaultUrl, credential, dataPlane("SecretClient"));
  await client.setSecret("js-secret", "v1");
  await client.setSecret("js-secret", "v2");
  check((await client.getSecret("js-secret")).value === "v2", "secrets: set twice, get latest");
  const names = (await collect(client.listPropertiesOfSecrets())).map((s) => s.name);
  check(names.includes("js-secret"), "secrets: list");
  const versions = await collect(client.listPropertiesOfSecretVersions("js-secret"));
  check(versions.length === 2, "secrets: list versions");
  const deleting = await client.beginDeleteSecret("js-secret", fast);
  const deleted = await deleting.pollUntilDone();
  check(deleted.recoveryId.endsWith("/deletedsecrets/js-secret"), "secrets: delete poller");
  const recovering = await client.beginRecoverDeletedSecret("js-secret", fast);
  const recovered = await recovering.pollUntilDone();
  check(recovered.name === "js-secret", "secrets: recover poller");
  check((await client.getSecret("js-secret")).value === "v2", "secrets: value back after recover");
  await (await client.beginDeleteSecret("js-secret", fast)).pollUntilDone();
  await client.purgeDeletedSecret("js-secret");
  let gone = false;
  try {
    await client.getDeletedSecret("js-secret");
  } catch (e) {
    gone = e.statusCode === 404;
  }
  check(gone, "secrets: purge");
}

async function keys(vaultUrl) {
  const client = new KeyClient(vaultUrl, credential, dataPlane("KeyClient"));
  const rsa = await client.createRsaKey("js-rsa", { keySize: 2048 });
  check(rsa.keyType === "RSA" && rsa.key.n.length === 256, "keys: create RSA");
  // Built from the key (not its id): the SDK verifies and encrypts locally with the public
  // key and asks the vault to sign and decrypt.
  const crypto = new CryptographyClient(rsa, credential, dataPlane("CryptographyClient"));
  const digest = createHash("sha256").update("fidelity").digest();
  const signed = await crypto.sign("RS256", digest);
  check((await crypto.verify("RS256", digest, signed.result)).result, "keys: sign by the vault + verify RS256");
  const encrypted = await crypto.encrypt({ algorithm: "RSA-OAEP-256", plaintext: Buffer.from("plaintext") });
  const decrypted = await crypto.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: encrypted.result });
  check(Buffer.from(decrypted.result).toString() === "plaintext", "keys: encrypt + decrypt RSA-OAEP-256");
  const aesKey = Buffer.alloc(32, 7);
  const wrapped = await crypto.wrapKey("RSA-OAEP", aesKey);
  const unwrapped = await crypto.unwrapKey("RSA-OAEP", wrapped.result);
  check(Buffer.compare(Buffer.from(unwrapped.result), aesKey) === 0, "keys: wrap + unwrap RSA-OAEP");
  // By id: every operation goes to the vault.
  const remote = new CryptographyClient(rsa.id, credential, dataPlane("CryptographyClient (by id)"));
  check((await remote.verify("RS256", digest, signed.result)).result, "keys: verify RS256 by the vault");
  const ec = await client.createEcKey("js-ec", { curve: "P-256" });
  const ecCrypto = new CryptographyClient(ec, credential, dataPlane("CryptographyClient (EC)"));
  const ecSigned = await ecCrypto.signData("ES256", Buffer.from("fidelity"));
  check((await ecCrypto.verifyData("ES256", Buffer.from("fidelity"), ecSigned.result)).result, "keys: sign + verify ES256");
  const rotated = await client.rotateKey("js-rsa");
  check(rotated.properties.version !== rsa.properties.version, "keys: rotate");
}

async function certificates(vaultUrl) {
  const client = new CertificateClient(vaultUrl, credential, dataPlane("CertificateClient"));
  const poller = await client.beginCreateCertificate("js-cert", DefaultCertificatePolicy, fast);
  const certificate = await poller.pollUntilDone();
  check(certificate.cer && certificate.cer.length > 300, "certificates: create poller");
  const got = await client.getCertificate("js-cert");
  check(
    Buffer.compare(Buffer.from(got.properties.x509Thumbprint), Buffer.from(certificate.properties.x509Thumbprint)) === 0,
    "certificates: get",
  );
  const policy = await client.getCertificatePolicy("js-cert");
  check(policy.contentType === "application/x-pkcs12", "certificates: PKCS#12 by default");
  check(
    policy.lifetimeActions?.some((a) => a.action === "AutoRenew"),
    "certificates: default lifetime action",
  );
  const secrets = new SecretClient(vaultUrl, credential, dataPlane("SecretClient"));
  const secret = await secrets.getSecret("js-cert");
  check(secret.properties.contentType === "application/x-pkcs12", "certificates: its secret is PKCS#12");

  // A PEM certificate, imported again as PEM.
  const pemPoller = await client.beginCreateCertificate(
    "js-pem",
    { issuerName: "Self", subject: "CN=js-pem", contentType: "application/x-pem-file" },
    fast,
  );
  await pemPoller.pollUntilDone();
  const pem = (await secrets.getSecret("js-pem")).value;
  check(pem.includes("-----BEGIN CERTIFICATE-----"), "certificates: PEM content type");
  const imported = await client.importCertificate("js-imported", Buffer.from(pem), {
    policy: { issuerName: "Self", subject: "CN=js-pem", contentType: "application/x-pem-file" },
  });
  check(imported.name === "js-imported", "certificates: import PEM");
}

/** The emulator's fault control, as a test of one's own retry handling would use it. */
async function faults(method, body) {
  const response = await fetch(`${URL_}/_emulator/faults`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

async function retries(vaultUrl) {
  const client = new SecretClient(vaultUrl, credential, dataPlane("SecretClient"));
  await client.setSecret("js-retried", "v");
  // The next two requests are throttled: the SDK's retry policy waits Retry-After and succeeds.
  await faults("PUT", { kind: "throttle", count: 2, retryAfterSeconds: 1 });
  const started = Date.now();
  check((await client.getSecret("js-retried")).value === "v", "faults: throttled twice, retried");
  check(Date.now() - started >= 2000, "faults: Retry-After honoured");
  check((await faults("GET")).injected === 2, "faults: two injected");
  await faults("PUT", { kind: "unavailable", count: 1, retryAfterSeconds: 0 });
  check((await client.getSecret("js-retried")).value === "v", "faults: 503 retried");
  await faults("DELETE");
}

/** The emulator's simulated clock, moved ahead so expiry happens without waiting. */
async function clock(vaultUrl) {
  const keys = new KeyClient(vaultUrl, credential, dataPlane("KeyClient"));
  const { now } = await (await fetch(`${URL_}/_emulator/clock`)).json();
  const key = await keys.createEcKey("js-expiring", {
    curve: "P-256",
    expiresOn: new Date(Date.parse(now) + 24 * 3600_000),
  });
  const remote = new CryptographyClient(key.id, credential, dataPlane("CryptographyClient (clock)"));
  const digest = createHash("sha256").update("clock").digest();
  const signed = await remote.sign("ES256", digest);
  check(signed.result.length === 64, "clock: the key signs before it expires");
  await fetch(`${URL_}/_emulator/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ advance: "P2D" }),
  });
  let refused = 0;
  try {
    await remote.sign("ES256", digest);
  } catch (e) {
    refused = e.statusCode;
  }
  check(refused === 403, "clock: two days later the expired key does not sign");
  check((await remote.verify("ES256", digest, signed.result)).result, "clock: but still verifies");
}

/** Node resolves `localhost` but not names under it (the C library does not, without
 * systemd-resolved): an agent whose lookup answers `*.localhost` with loopback, set on each
 * request by a policy (the pipeline uses `request.agent` when set). */
const loopbackAgent = new https.Agent({
  keepAlive: true,
  lookup(hostname, options, callback) {
    if (hostname === "localhost" || hostname.endsWith(".localhost")) {
      return options.all
        ? callback(null, [{ address: "127.0.0.1", family: 4 }])
        : callback(null, "127.0.0.1", 4);
    }
    return dns.lookup(hostname, options, callback);
  },
});
const useLoopbackAgent = {
  policy: {
    name: "loopbackAgent",
    async sendRequest(request, next) {
      request.agent = loopbackAgent;
      return next(request);
    },
  },
  position: "perRetry",
};

/** Several vaults on one emulator: by host name `{vault}.localhost` with the SDK's
 * challenge-resource verification on (the emulator names the parent domain, `localhost`, as
 * the service names `vault.azure.net`), the same vault on its own port and through an alias. */
async function vaults() {
  const byHost = new SecretClient(process.env.EMULATOR_HOST_URL, credential, {
    additionalPolicies: [apiVersionReporter("secrets (vault by host name)"), useLoopbackAgent],
  });
  const ownPort = new SecretClient(process.env.EMULATOR_NAMED_URL, credential, dataPlane("secrets"));
  const alias = new SecretClient(process.env.EMULATOR_ALIAS_URL, credential, dataPlane("secrets"));
  const main = new SecretClient(URL_, credential, dataPlane("secrets"));
  const set = await byHost.setSecret("js-vaults", "in js-named");
  check(set.properties.id.startsWith(process.env.EMULATOR_HOST_URL), "vaults: by host name, challenge resource verified");
  check((await ownPort.getSecret("js-vaults")).value === "in js-named", "vaults: the same vault on its own port");
  check((await alias.getSecret("js-vaults")).value === "in js-named", "vaults: the same vault through an alias");
  let missing = false;
  try {
    await main.getSecret("js-vaults");
  } catch (e) {
    missing = e.statusCode === 404;
  }
  check(missing, "vaults: another vault on the main address does not have it");
}

/** Export and import (`/_emulator/state`): a snapshot taken, the secret deleted and purged
 * through the SDK, the snapshot put back: the secret is there again. */
async function state() {
  const client = new SecretClient(URL_, credential, dataPlane("secrets"));
  await client.setSecret("js-state", "snapshotted");
  const exported = await (await fetch(`${URL_}/_emulator/state`)).text();
  const poller = await client.beginDeleteSecret("js-state", fast);
  await poller.pollUntilDone();
  await client.purgeDeletedSecret("js-state");
  const put = await fetch(`${URL_}/_emulator/state`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: exported,
  });
  check(put.status === 204, "state: a snapshot imported");
  check((await client.getSecret("js-state")).value === "snapshotted", "state: the purged secret is back");
}

const vaultUrl = await management();
await secrets(vaultUrl);
await keys(vaultUrl);
await certificates(vaultUrl);
await retries(vaultUrl);
await clock(vaultUrl);
await vaults();
await state();
console.log(`js fidelity: all ${passed} checks passed`);
