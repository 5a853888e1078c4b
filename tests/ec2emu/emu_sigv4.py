"""Server-side AWS Signature Version 4 verification for the EC2 emulator.

The emulator recomputes every request's signature from the raw method, path, query, headers and body,
independently of the C client's signer, so a signing bug on either side shows up as a rejected request.
`verify()` is pure (no emulator state): the caller passes a credential lookup and the current time, which
also lets the public SigV4 test vectors exercise it with their fixed timestamp and service name.
"""

import datetime
import hashlib
import hmac
import re
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = datetime.timedelta(minutes=15)
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


class AuthError(Exception):
    """A rejected request: HTTP status, EC2 error code and a message safe to send back (no secrets)."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _uri_encode(text, keep_slash=False):
    safe = _UNRESERVED + ("/" if keep_slash else "")
    return urllib.parse.quote(text, safe=safe)


def canonical_uri(raw_path, normalize=True):
    """Normalises the path as AWS does for every service but S3: dot segments removed, repeated
    slashes collapsed, each segment percent-encoded once (after decoding what the client encoded).
    normalize=False keeps the segments as sent (the S3 rule, covered by the public test vectors)."""
    path = urllib.parse.unquote(raw_path or "/")
    if not normalize:
        return "/".join(_uri_encode(s) for s in path.split("/")) or "/"
    out = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    result = "/" + "/".join(_uri_encode(s) for s in out)
    if path.endswith("/") and out:
        result += "/"
    return result


def canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append(
            (
                _uri_encode(urllib.parse.unquote(key)),
                _uri_encode(urllib.parse.unquote(value)),
            )
        )
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _collapse(value):
    return re.sub(r"\s+", " ", value.strip())


def canonical_headers(headers, signed):
    """headers: list of (name, value) as received, repeats allowed; signed: lower-case names."""
    joined = {}
    for name, value in headers:
        joined.setdefault(name.lower(), []).append(_collapse(value))
    lines = []
    for name in signed:
        if name not in joined:
            raise AuthError(403, "SignatureDoesNotMatch", f"Signed header '{name}' is missing from the request.")
        lines.append(f"{name}:{','.join(joined[name])}\n")
    return "".join(lines)


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_request(method, raw_path, raw_query, headers, signed, payload_hash, normalize=True):
    return "\n".join(
        [
            method,  # HTTP verb
            canonical_uri(raw_path, normalize),  # normalised, encoded path
            canonical_query(raw_query),  # sorted, encoded query string
            canonical_headers(headers, signed),  # one "name:value\n" per signed header
            ";".join(signed),  # the signed header list
            payload_hash,  # hex SHA-256 of the body
        ]
    )


def string_to_sign(amz_date, scope, creq):
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])


_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$"
)


def _header(headers, name):
    vals = [v for n, v in headers if n.lower() == name]
    return vals[-1].strip() if vals else None


def verify(method, raw_path, raw_query, headers, body, lookup, region, service, now, normalize=True):
    """Checks one request. lookup(access_key) -> (secret, session_token or None) or None when unknown.
    now: aware UTC datetime, or None to skip the clock check; normalize: False only for S3-style paths.
    Returns the access key on success; raises AuthError otherwise."""
    auth = _header(headers, "authorization")
    if not auth:
        raise AuthError(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
    m = _AUTH_RE.match(auth)
    if not m:
        raise AuthError(400, "IncompleteSignature", "The Authorization header is not a well-formed AWS4-HMAC-SHA256 header.")
    credential, signed_list, signature = m.groups()
    parts = credential.split("/")
    if len(parts) != 5:
        raise AuthError(400, "IncompleteSignature", "The credential scope must be key/date/region/service/aws4_request.")
    access_key, scope_date, scope_region, scope_service, terminator = parts

    creds = lookup(access_key)
    if creds is None:
        raise AuthError(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
    secret, token = creds

    amz_date = _header(headers, "x-amz-date")
    if amz_date is None:
        raise AuthError(400, "IncompleteSignature", "The request must contain an X-Amz-Date header.")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise AuthError(400, "IncompleteSignature", f"X-Amz-Date '{amz_date}' is not in the form YYYYMMDDTHHMMSSZ.")
    if now is not None and abs(now - when) > MAX_SKEW:
        raise AuthError(
            400,
            "RequestExpired",
            f"Request has expired: its timestamp {amz_date} is more than 15 minutes away from the server time "
            f"{now.strftime('%Y%m%dT%H%M%SZ')}.",
        )
    if scope_date != amz_date[:8]:
        raise AuthError(403, "SignatureDoesNotMatch", "The credential scope date does not match X-Amz-Date.")
    if scope_region != region:
        raise AuthError(403, "SignatureDoesNotMatch", f"Credential should be scoped to a valid region: expected '{region}'.")
    if scope_service != service or terminator != "aws4_request":
        raise AuthError(403, "SignatureDoesNotMatch", f"Credential should be scoped to the '{service}' service.")

    signed = signed_list.split(";")
    if signed != sorted(signed) or any(s != s.lower() for s in signed):
        raise AuthError(403, "SignatureDoesNotMatch", "SignedHeaders must be lower-case and sorted.")
    if "host" not in signed:
        raise AuthError(403, "SignatureDoesNotMatch", "The host header must be signed.")

    if token is not None:
        sent = _header(headers, "x-amz-security-token")
        if sent is None or not hmac.compare_digest(sent, token):
            raise AuthError(401, "AuthFailure", "The security token included in the request is invalid.")

    body_hash = hashlib.sha256(body).hexdigest()
    declared = _header(headers, "x-amz-content-sha256")
    if declared is not None and declared != "UNSIGNED-PAYLOAD" and declared != body_hash:
        raise AuthError(400, "XAmzContentSHA256Mismatch", "The body does not match x-amz-content-sha256.")
    payload_hash = declared if declared is not None else body_hash

    creq = canonical_request(method, raw_path, raw_query, headers, signed, payload_hash, normalize)
    scope = "/".join([scope_date, scope_region, scope_service, "aws4_request"])
    sts = string_to_sign(amz_date, scope, creq)
    expected = hmac.new(signing_key(secret, scope_date, scope_region, scope_service), sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise AuthError(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your secret access key and signing method.",
        )
    return access_key
