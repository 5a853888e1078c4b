#!/usr/bin/python3
"""Write the seed corpora of fuzz/corpus/<target>/: small valid and near-valid inputs per target.

Run with Debian's python3 (it has msgpack and cryptography): /usr/bin/python3 fuzz/gen_seeds.py
The value seeds follow the provider's real schema types, read from fuzz/corpus/fuzz_type_json/
schema_*.json (tf_type_to_json of each schema; regenerate those when a schema changes). Certificate
seeds are freshly generated keys, so re-running changes those files; everything else is stable.
"""
import datetime
import json
import os
import struct

import msgpack
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
UNKNOWN = msgpack.ExtType(0, b"\x00")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def schema_type(name):
    with open(os.path.join(CORPUS, "fuzz_type_json", f"schema_{name}.json")) as f:
        return json.load(f)


# ---- values driven by a type ------------------------------------------------------------------

SAMPLES = {
    "string": ["ami-0123456789abcdef0", "", "x86_64", "héllo wörld ✓"],
    "number": [8, 3000, -1, 1.5, 18446744073709551615],
    "bool": [True, False],
}


def value_of(t, mode, depth=0):
    """A value of type t. mode: full (every attribute set), nulls, unknown (computed unknown)."""
    if mode == "nulls" and depth > 0:
        return None
    if isinstance(t, str):
        if t == "dynamic":
            return ['"string"', "dyn"]
        return SAMPLES[t][depth % len(SAMPLES[t])]
    kind = t[0]
    if kind == "object":
        out = {}
        for i, (k, at) in enumerate(t[1].items()):
            if mode == "unknown" and i % 3 == 0 and not isinstance(at, list):
                out[k] = UNKNOWN
            else:
                out[k] = value_of(at, mode, depth + 1)
        return out
    if kind == "map":
        return {"Name": value_of(t[1], mode, depth + 1), "Team": value_of(t[1], mode, depth + 2)}
    if kind in ("list", "set"):
        return [value_of(t[1], mode, depth + 1)]
    if kind == "tuple":
        return [value_of(e, mode, depth + 1) for e in t[1]]
    raise ValueError(t)


def ami_planned():
    """A realistic planned ec2_ami: config values set, computed attributes unknown."""
    t = schema_type("ami")[1]
    v = {k: None for k in t}
    v.update({
        "name": "app-2026-11-26",
        "description": "built by CI",
        "architecture": "x86_64",
        "root_device_name": "/dev/xvda",
        "virtualization_type": "hvm",
        "ena_support": True,
        "tags": {"Name": "app", "Team": "infra"},
        "ebs_block_device": [{
            "device_name": "/dev/xvda", "snapshot_id": "snap-0123456789abcdef0",
            "volume_size": 8, "volume_type": "gp3", "iops": 3000, "throughput": 125,
            "delete_on_termination": True, "encrypted": False, "kms_key_id": None,
        }],
        "ephemeral_block_device": [],
        "timeouts": {"create": "40m", "update": None, "delete": "90m"},
    })
    for k in ("id", "arn", "owner_id", "image_owner_alias", "image_type", "platform",
              "platform_details", "usage_operation", "hypervisor", "public", "root_snapshot_id",
              "creation_date", "state", "boot_mode", "imds_support", "kernel_id", "ramdisk_id",
              "sriov_net_support", "tpm_support", "image_location", "deregistration_protection",
              "delete_snapshots"):
        v[k] = UNKNOWN
    return v


def ami_state(planned):
    """The same image after apply: everything known (JSON state has no unknowns)."""
    v = dict(planned)
    v.update({
        "id": "ami-0123456789abcdef0",
        "arn": "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
        "owner_id": "123456789012", "image_owner_alias": None, "image_type": "machine",
        "platform": None, "platform_details": "Linux/UNIX", "usage_operation": "RunInstances",
        "hypervisor": "xen", "public": False, "root_snapshot_id": "snap-0123456789abcdef0",
        "creation_date": "2026-11-26T23:00:00.000Z", "state": "available", "boot_mode": "uefi",
        "imds_support": "v2.0", "kernel_id": None, "ramdisk_id": None, "sriov_net_support": "simple",
        "tpm_support": None, "image_location": "123456789012/app-2026-11-26",
        "deregistration_protection": "disabled", "delete_snapshots": True,
    })
    return v


def json_safe(v):
    if v is UNKNOWN:
        return None
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, list):
        return [json_safe(x) for x in v]
    return v


def codec_seeds():
    pack = msgpack.packb
    planned = ami_planned()
    state = ami_state(planned)
    provider = {k: None for k in schema_type("provider")[1]}
    provider.update({"region": "us-east-1", "profile": "dev", "max_retries": 5,
                     "shared_config_files": ["/home/u/.aws/config"],
                     "endpoints": {"ec2": "http://127.0.0.1:4566"}, "plan_dry_run": True})
    msg = {
        "ami_planned": pack(planned),
        "ami_state": pack(state),
        "provider_config": pack(provider),
        "empty": b"",
        "null": pack(None),
        "unknown": pack(UNKNOWN),
        "dynamic_list": pack(['["list","string"]', ["a", "b"]]),
        "dynamic_object": pack(['["object",{"a":"number","b":["set","bool"]}]',
                                {"a": 1.25, "b": [True, False]}]),
        "dynamic_tuple": pack(['["tuple",["string","dynamic"]]', ["x", ['"number"', 7]]]),
        "dynamic_map": pack(['["map",["list","number"]]', {"k": [1, 2, "3.5"]}]),
        "big_number_text": pack(['"number"', "123456789012345678901234567890.5e-3"]),
        # Near-valid: an attribute missing, and one too many.
        "ami_missing_attr": pack({k: v for k, v in state.items() if k != "name"}),
        "ami_extra_attr": pack(dict(state, surprise="x")),
    }
    for name, t in (("ami", schema_type("ami")), ("ami_data", schema_type("ami_data")),
                    ("provider", schema_type("provider"))):
        for mode in ("full", "nulls", "unknown"):
            msg[f"{name}_{mode}"] = pack(value_of(t, mode))
    for k, v in msg.items():
        write("fuzz_codec_msgpack", k + ".msgpack", v)

    js = {
        "ami_state": json.dumps(json_safe(state)),
        "ami_state_old": json.dumps({k: v for k, v in json_safe(state).items()
                                     if k not in ("deregistration_protection", "timeouts")}),
        "ami_state_removed_attr": json.dumps(dict(json_safe(state), snapshot_ids=["snap-1"])),
        "provider_config": json.dumps(json_safe(provider)),
        # `dynamic` values in JSON state carry their type beside them.
        "dynamic_numbers_ok": '{"value": [1, -0, 0.1, 1.5e300, 123456789012345678901234567890.25], '
                              '"type": ["list", "number"]}',
        "dynamic_numbers": '{"value": [1, -0, 1e400, 0.1, 123456789012345678901234567890, '
                           '-9223372036854775809], "type": ["list", "number"]}',
        "dynamic_nested": '{"type": ["object", {"a": ["map", ["tuple", ["bool", "dynamic"]]]}], '
                          '"value": {"a": {"k": [true, {"value": "\\u00e9\\ud83d\\ude00", '
                          '"type": "string"}]}}}',
        "dynamic_set": '{"value": [[1, 2], [2, 1]], "type": ["set", ["list", "number"]]}',
        "dynamic_scalar": '{"value": "text", "type": "string"}',
        "not_a_dynamic": '"text"',
        "null": "null",
    }
    for name, t in (("ami", schema_type("ami")), ("provider", schema_type("provider"))):
        js[f"{name}_full"] = json.dumps(json_safe(value_of(t, "full")))
    for k, v in js.items():
        write("fuzz_codec_json", k + ".json", v)

    types = {
        "string": '"string"', "number": '"number"', "bool": '"bool"', "dynamic": '"dynamic"',
        "list": '["list","string"]', "set": '["set",["map","number"]]',
        "tuple": '["tuple",["string",["list","bool"],"dynamic"]]',
        "object_optional": '["object",{"a":"string","b":"number"},["b"]]',
        "empty_object": '["object",{}]', "empty_tuple": '["tuple",[]]',
        "deep": '["list",' * 12 + '"string"' + "]" * 12,
        "bad_kind": '["array","string"]', "bad_arity": '["list"]',
    }
    for k, v in types.items():
        write("fuzz_type_json", k + ".json", v)


# ---- go-plugin environment ----------------------------------------------------------------------

def environment_seeds():
    for name, v in {"both": "5,6", "six": "6", "five": "5", "old": "4", "signs": "+6,-5",
                    "spaces": " 6 , 5", "garbage": "x,6x,,", "zero_padded": "05,006",
                    "empty": "", "huge": "99999999999999999999,6"}.items():
        write("fuzz_protocol_versions", name, v)

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    write("fuzz_client_cert", "valid.pem", pem)
    write("fuzz_client_cert", "two_certs.pem", pem + pem)
    write("fuzz_client_cert", "truncated.pem", pem[: len(pem) // 2])
    write("fuzz_client_cert", "crlf.pem", pem.replace(b"\n", b"\r\n"))
    write("fuzz_client_cert", "key_not_cert.pem",
          key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()))
    write("fuzz_client_cert", "empty", b"")


# ---- EC2 XML --------------------------------------------------------------------------------------

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
RID = "<requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>"


def answer(action, body):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{NS}">'
            f"{RID}{body}</{action}Response>")


TAGS = "<tagSet><item><key>Name</key><value>app</value></item><item><key>Empty</key></item></tagSet>"
IMAGE = ("<item><imageId>ami-0123456789abcdef0</imageId><imageLocation>123/app</imageLocation>"
         "<imageState>available</imageState><imageOwnerId>123456789012</imageOwnerId>"
         "<creationDate>2026-11-26T23:00:00.000Z</creationDate><isPublic>false</isPublic>"
         "<architecture>x86_64</architecture><imageType>machine</imageType><name>app</name>"
         "<rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>"
         "<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>"
         "<snapshotId>snap-0123456789abcdef0</snapshotId><volumeSize>8</volumeSize>"
         "<deleteOnTermination>true</deleteOnTermination><volumeType>gp3</volumeType>"
         "<iops>3000</iops><throughput>125</throughput><encrypted>false</encrypted></ebs></item>"
         "<item><deviceName>/dev/sdb</deviceName><virtualName>ephemeral0</virtualName></item>"
         "<item><deviceName>/dev/sdc</deviceName><noDevice/></item></blockDeviceMapping>"
         "<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor>"
         "<enaSupport>true</enaSupport><bootMode>uefi</bootMode><imdsSupport>v2.0</imdsSupport>"
         "<deregistrationProtection>disabled</deregistrationProtection>"
         f"<stateReason><code>Client.Error</code><message>failed</message></stateReason>{TAGS}</item>")
SNAPSHOT = ("<snapshotId>snap-0123456789abcdef0</snapshotId><volumeId>vol-1</volumeId>"
            "<status>completed</status><startTime>2026-11-26T23:00:00.000Z</startTime>"
            "<progress>100%</progress><ownerId>123456789012</ownerId><volumeSize>8</volumeSize>"
            f"<description>root</description><encrypted>false</encrypted>{TAGS}")


def xml_seeds():
    responses = {
        0: ("unit", answer("CreateTags", "<return>true</return>")),
        1: ("register_image", answer("RegisterImage", "<imageId>ami-0123456789abcdef0</imageId>")),
        2: ("describe_images", answer("DescribeImages",
                                      f"<imagesSet>{IMAGE}{IMAGE}</imagesSet><nextToken>t2</nextToken>")),
        3: ("deregister_image", answer("DeregisterImage",
                                       "<return>true</return><deleteSnapshotResultSet><item>"
                                       "<snapshotId>snap-1</snapshotId><returnCode>success</returnCode>"
                                       "</item></deleteSnapshotResultSet>")),
        4: ("image_attribute", answer("DescribeImageAttribute",
                                      "<imageId>ami-1</imageId><launchPermission><item><group>all"
                                      "</group></item><item><userId>123456789012</userId></item>"
                                      "</launchPermission><bootMode><value>uefi</value></bootMode>")),
        5: ("protection", answer("EnableImageDeregistrationProtection",
                                 "<return>enabled-without-cooldown</return>")),
        6: ("copy_image", answer("CopyImage", "<imageId>ami-0fedcba9876543210</imageId>")),
        7: ("describe_snapshots", answer("DescribeSnapshots",
                                         f"<snapshotSet><item>{SNAPSHOT}</item></snapshotSet>")),
        8: ("create_snapshot", answer("CreateSnapshot", SNAPSHOT)),
    }
    for sel, (name, doc) in responses.items():
        write("fuzz_xml_response", f"{sel}_{name}.xml", bytes([sel]) + doc.encode())
    # Near-valid: return false, a bad number, a cut document, a DOCTYPE.
    write("fuzz_xml_response", "0_return_false.xml",
          b"\x00" + answer("DeleteSnapshot", "<return>false</return>").encode())
    write("fuzz_xml_response", "2_bad_number.xml",
          b"\x02" + answer("DescribeImages", IMAGE.replace("<iops>3000", "<iops>3e9")).encode())
    write("fuzz_xml_response", "7_cut.xml",
          b"\x07" + answer("DescribeSnapshots", f"<snapshotSet><item>{SNAPSHOT}")[:-40].encode())
    write("fuzz_xml_response", "1_doctype.xml",
          b'\x01<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')

    def error(code, message, rid_tag="RequestID"):
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}'
                f"</Code><Message>{message}</Message></Error></Errors><{rid_tag}>"
                f"ea966190-f9aa-478e-9ede-example</{rid_tag}></Response>")
    write("fuzz_xml_error", "not_found.xml",
          error("InvalidAMIID.NotFound", "The image id '[ami-1]' does not exist"))
    write("fuzz_xml_error", "throttled.xml", error("RequestLimitExceeded", "Request limit exceeded."))
    write("fuzz_xml_error", "unauthorized.xml",
          error("UnauthorizedOperation",
                "You are not authorized. Encoded authorization failure message: " + "x" * 600))
    write("fuzz_xml_error", "request_id_lower.xml", error("AuthFailure", "no", "RequestId"))
    write("fuzz_xml_error", "multiline.xml", error("Oops", "line one\r\nline two\tthree ✓ é"))
    write("fuzz_xml_error", "empty_code.xml", error("", "no code"))
    write("fuzz_xml_error", "html.xml", "<html><body>502 Bad Gateway</body></html>")


# ---- shared config files and SigV4 ------------------------------------------------------------

def config_seeds():
    files = {
        "credentials": "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cr3t\n"
                       "\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=dev\n"
                       "aws_session_token = tok\n",
        "config": "# comment\n[default]\nregion = us-east-1\n\n[profile dev]\nregion=eu-west-1\n"
                  "services = local\ncredential_process = /bin/creds --profile dev\n\n"
                  "[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:4566\n",
        "profile_default": "[profile default]\nregion = ap-south-1\nendpoint_url = https://x\n",
        "crlf": "[default]\r\nregion = us-east-1\r\n; comment\r\n",
        "malformed": "[default]\nthis line has no equals\n",
        "no_section": "region = us-east-1\n",
        "nested_without_parent": "[x]\n  sub = 1\n",
        "odd_sections": "[  profile    dev  ]\nregion=us-west-2\n[]\n=x\n",
    }
    for k, v in files.items():
        write("fuzz_config_file", k, v)


def sigv4_seed(flags, when, method, path, query, headers, body):
    fields = [method, path, query]
    for name, value in headers:
        fields += [name, value]
    fields.append("")
    return (bytes([flags]) + struct.pack(">I", when) +
            b"".join(f.encode() + b"\0" for f in fields) + body)


def sigv4_seeds():
    t = 1440938160  # 20150830T123600Z, the time of the public SigV4 test suite
    host = [("Host", "example.amazonaws.com")]
    seeds = {
        "ec2_post": sigv4_seed(0b01011, t, "POST", "/", "",
                               host + [("Content-Type", "application/x-www-form-urlencoded")],
                               b"Action=DescribeImages&Version=2016-11-15"),
        "get_vanilla_query": sigv4_seed(0b00001, t, "GET", "/", "Param2=value2&Param1=value1",
                                        host, b""),
        "dot_segments": sigv4_seed(0b00001, t, "GET", "/example/../a/./b//c/", "", host, b""),
        "not_normalised": sigv4_seed(0b00000, t, "GET", "/a/../b//%41 c", "", host, b""),
        "query_encoding": sigv4_seed(0b00001, t, "GET", "/", "a=%7e%2F&b&=c&a=1&%zz=%", host, b""),
        "duplicate_headers": sigv4_seed(0b00001, t, "GET", "/", "",
                                        host + [("My-Header1", "  a   b  "), ("my-header1", "c"),
                                                ("X-Amz-Date", "ignored")], b""),
        "folded_value": sigv4_seed(0b00101, t, "GET", "/", "",
                                   host + [("My-Header1", "value1\n  value2\n     value3")], b""),
        "utf8_path": sigv4_seed(0b00001, t, "GET", "/ሴ", "", host, b""),
        "no_query": sigv4_seed(0b10001, t, "GET", "/", "", host, b""),
        "no_host": sigv4_seed(0b00001, t, "GET", "/", "", [("X", "y")], b""),
    }
    for k, v in seeds.items():
        write("fuzz_sigv4_canonical", k, v)


if __name__ == "__main__":
    codec_seeds()
    environment_seeds()
    xml_seeds()
    config_seeds()
    sigv4_seeds()
