"""Real clients against `vendorctl sandbox --tls`: MSAL for Python obtains tokens, PyJWT
validates them against the sandbox's JWKS (signature, issuer, audience, lifetime).

Input: the sandbox's `--json` document on stdin ({"env": {...}, "other_credentials": {...}}),
and the environment: SSL_CERT_FILE / REQUESTS_CA_BUNDLE (the sandbox's CA, from the
printed exports), SANDBOX_CLIENT_CERT_PEM and SANDBOX_CLIENT_KEY_PEM (the sandbox's
throwaway test client certificate and key). Prints one JSON line per case and exits 0
only if every case passed. Run by crates/vendorctl/tests/real_clients.rs.
"""

import json
import os
import sys
import tempfile
import time

import jwt
import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

doc = json.load(sys.stdin)
env = doc["env"]
others = doc["other_credentials"]
host = env["AZURE_AUTHORITY_HOST"]
# Kazi's documented resource (the SDK's default); the same value in production.
KAZI_RESOURCE = "d00b610c-389f-4a05-97cc-f9a934488c8b"
KEYAVI_APP_ID = env["KEYAVI_SCOPE"].rsplit("/", 1)[0]
failures = 0


def report(case, ok, **fields):
    global failures
    if not ok:
        failures += 1
    print(json.dumps({"case": case, "ok": ok, **fields}, sort_keys=True), flush=True)


def openid_config(tenant, version):
    path = "/v2.0/.well-known/openid-configuration" if version == "2.0" else "/.well-known/openid-configuration"
    r = requests.get(f"{host}/{tenant}{path}", timeout=10)
    r.raise_for_status()
    return r.json()


def validate(token, tenant, audience, version):
    """Validates `token` with PyJWT against the discovery document of `version`."""
    config = openid_config(tenant, version)
    jwks = jwt.PyJWKClient(config["jwks_uri"], cache_keys=False, timeout=10)
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=config["id_token_signing_alg_values_supported"],
        audience=audience,
        issuer=config["issuer"],
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "tid", "oid", "ver", "uti"]},
    )
    header = jwt.get_unverified_header(token)
    assert header["kid"] == key.key_id, "kid names the JWKS key"
    assert claims["ver"] == version, f"ver {claims['ver']} != {version}"
    assert claims["iat"] <= time.time() < claims["exp"], "lifetime"
    # The tampered token must fail the same validation.
    head, body, sig = token.split(".")
    forged = ".".join([head, body, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")])
    try:
        jwt.decode(forged, key.key, algorithms=["RS256"], audience=audience, issuer=config["issuer"])
        raise AssertionError("a forged signature validated")
    except jwt.InvalidSignatureError:
        pass
    return header, claims, config


def app(client_id, tenant, credential):
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=f"{host}/{tenant}",
        # MSAL validates an authority host it does not know through instance discovery at
        # login.microsoftonline.com, which knows nothing of the sandbox: MSAL's documented
        # switch for a custom authority host turns it off. (A custom discovery URL is not
        # enough: MSAL's alias lookup still calls login.microsoftonline.com; see
        # docs/WIRE_SHAPES.md.)
        instance_discovery=False,
    )


def run(case, tenant, audience, version, acquire, check):
    try:
        result = acquire()
        if "access_token" not in result:
            report(case, False, error=result.get("error"), error_codes=result.get("error_codes"),
                   description=(result.get("error_description") or "")[:200])
            return
        header, claims, config = validate(result["access_token"], tenant, audience, version)
        check(claims)
        report(case, True, alg=header["alg"], kid=header["kid"], iss=claims["iss"],
               aud=claims["aud"], ver=claims["ver"], tid=claims["tid"], idtyp=claims.get("idtyp"),
               client=claims.get("appid") or claims.get("azp"),
               roles=claims.get("roles"), scp=claims.get("scp"),
               lifetime=claims["exp"] - claims["iat"], jwks_uri=config["jwks_uri"],
               token_source=result.get("token_source"))
    except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
        report(case, False, exception=f"{type(e).__name__}: {e}"[:300])


def app_token(claims, client_field, client_id):
    assert claims["idtyp"] == "app" and claims["roles"], "an app token with roles"
    assert claims[client_field] == client_id, f"{client_field} is the client"
    assert "scp" not in claims


# OKQ8: client credentials, v2.
okq8 = app(env["OKQ8_CLIENT_ID"], env["OKQ8_TENANT_ID"], env["OKQ8_CLIENT_SECRET"])
run("okq8 client credentials", env["OKQ8_TENANT_ID"], env["OKQ8_SCOPE"].rsplit("/", 1)[0], "2.0",
    lambda: okq8.acquire_token_for_client([env["OKQ8_SCOPE"]]),
    lambda c: app_token(c, "azp", env["OKQ8_CLIENT_ID"]))
# The second call comes from MSAL's cache: no new token request.
second = okq8.acquire_token_for_client([env["OKQ8_SCOPE"]])
report("okq8 second call served from MSAL's cache", second.get("token_source") == "cache",
       token_source=second.get("token_source"))

# Keyavi: client credentials, v2.
keyavi = app(env["KEYAVI_CLIENT_ID"], env["KEYAVI_TENANT_ID"], env["KEYAVI_CLIENT_SECRET"])
run("keyavi client credentials", env["KEYAVI_TENANT_ID"], KEYAVI_APP_ID, "2.0",
    lambda: keyavi.acquire_token_for_client([env["KEYAVI_SCOPE"]]),
    lambda c: app_token(c, "azp", env["KEYAVI_CLIENT_ID"]))

# Keyavi: password grant (a public client), v2, a user token with `scp`.
user = others["Keyavi user mode (password grant)"]
# MSAL's user realm discovery asks https://<host>/common/userrealm/... WITHOUT the
# authority's port (msal/authority.py uses the host name only), which reaches nothing on
# 127.0.0.1:443. MSAL skips the lookup for hosts in this set; see docs/WIRE_SHAPES.md.
msal.authority.Authority._domains_without_user_realm_discovery.add("127.0.0.1")
public = msal.PublicClientApplication(
    env["KEYAVI_CLIENT_ID"], authority=f"{host}/{env['KEYAVI_TENANT_ID']}",
    instance_discovery=False)


def user_token(c):
    assert c["idtyp"] == "user" and c["scp"] == "access_as_user", "a user token with scp"
    assert "roles" not in c
    assert c["preferred_username"] == user["KEYAVI_USERNAME"]


run("keyavi password grant", env["KEYAVI_TENANT_ID"], KEYAVI_APP_ID, "2.0",
    lambda: public.acquire_token_by_username_password(
        user["KEYAVI_USERNAME"], user["KEYAVI_PASSWORD"], scopes=[f"{KEYAVI_APP_ID}/access_as_user"]),
    user_token)

# Kazi: a certificate credential. MSAL speaks v2 only (scope `{resource}/.default`); Kazi's
# resource takes v1 tokens, so the token is v1 (issuer and claims), as Entra ID's are.
cert_pem = open(os.environ["SANDBOX_CLIENT_CERT_PEM"], "rb").read()
key_pem = open(os.environ["SANDBOX_CLIENT_KEY_PEM"], "rb").read()
cert = x509.load_pem_x509_certificate(cert_pem)
sha1 = cert.fingerprint(hashes.SHA1()).hex()
kazi_tenant = "kazib2c.onmicrosoft.com"
kazi_tid = env["KAZI_TOKEN_URL"]  # .../kazib2c.onmicrosoft.com/oauth2/token: by name
kazi_pem = app(env["KAZI_CLIENT_ID"], kazi_tenant,
               {"private_key": key_pem.decode(), "thumbprint": sha1})
run("kazi certificate (PEM key, x5t SHA-1, RS256)", kazi_tenant, KAZI_RESOURCE, "1.0",
    lambda: kazi_pem.acquire_token_for_client([f"{KAZI_RESOURCE}/.default"]),
    lambda c: app_token(c, "appid", env["KAZI_CLIENT_ID"]) or None)

key = serialization.load_pem_private_key(key_pem, password=None)
with tempfile.NamedTemporaryFile(suffix=".pfx", delete=False) as pfx:
    pfx.write(pkcs12.serialize_key_and_certificates(
        b"kazi", key, cert, None, serialization.BestAvailableEncryption(b"sandbox")))
try:
    kazi_pfx = app(env["KAZI_CLIENT_ID"], kazi_tenant,
                   {"private_key_pfx_path": pfx.name, "passphrase": "sandbox"})
    run("kazi certificate (PKCS#12, x5t#S256, PS256)", kazi_tenant, KAZI_RESOURCE, "1.0",
        lambda: kazi_pfx.acquire_token_for_client([f"{KAZI_RESOURCE}/.default"]),
        lambda c: app_token(c, "appid", env["KAZI_CLIENT_ID"]) or None)
finally:
    os.unlink(pfx.name)

# A wrong secret: MSAL hands back Entra ID's error as the sandbox answered it.
try:
    wrong = app(env["OKQ8_CLIENT_ID"], env["OKQ8_TENANT_ID"], "not-the-secret")
    result = wrong.acquire_token_for_client([env["OKQ8_SCOPE"]])
    report("okq8 wrong secret refused", result.get("error") == "invalid_client"
           and 7000215 in (result.get("error_codes") or []),
           error=result.get("error"), error_codes=result.get("error_codes"))
except Exception as e:  # noqa: BLE001
    report("okq8 wrong secret refused", False, exception=f"{type(e).__name__}: {e}"[:300])

# An unknown tenant: the discovery document answers 400 AADSTS90002, so MSAL refuses
# the authority.
answer = requests.get(f"{host}/no-such-tenant.onmicrosoft.com/v2.0/.well-known/openid-configuration",
                      timeout=10)
try:
    app(env["OKQ8_CLIENT_ID"], "no-such-tenant.onmicrosoft.com", "x")
    report("unknown tenant refused at discovery", False)
except ValueError as e:
    report("unknown tenant refused at discovery",
           answer.status_code == 400 and answer.json()["error_codes"] == [90002],
           status=answer.status_code, message=str(e)[:80])

print(json.dumps({"msal": msal.__version__, "pyjwt": jwt.__version__, "failures": failures}))
sys.exit(1 if failures else 0)
