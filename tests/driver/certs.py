"""The client side of go-plugin's AutoMTLS: a fresh self-signed certificate like Terraform's.

Terraform makes a P-521 ECDSA key and a self-signed CA certificate for "localhost" at every plugin
launch, passes the PEM in PLUGIN_CLIENT_CERT, and presents it on the TLS connection.
"""
import base64
import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class KeyPair:
    cert_pem: bytes
    key_pem: bytes


def make_client_cert(curve=None, common_name="localhost"):
    """A fresh key and self-signed cert: CN/SAN localhost, IsCA, serverAuth+clientAuth."""
    key = ec.generate_private_key(curve or ec.SECP521R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(days=365 * 30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
        .sign(key, hashes.SHA512())
    )
    return KeyPair(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def decode_handshake_cert(text):
    """The handshake line's CERT field (base64 DER, padding stripped) -> x509.Certificate."""
    text = text.strip()
    der = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    return x509.load_der_x509_certificate(der)


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)
