"""Finds the Python protobuf modules that the build generates from proto/ (protoc --python_out into
<build>/python) and maps the protocol-neutral operation names onto each protocol's method and
message names (tfplugin5 kept older names for six of them)."""
import glob
import importlib
import os
import sys

# Operation (tfplugin6 name) -> (tfplugin5 rpc, tfplugin5 message); rpc and message names are equal
# in tfplugin6 except that names not listed here are identical in both.
V5_NAMES = {
    "GetProviderSchema": ("GetSchema", "GetProviderSchema"),
    "ValidateProviderConfig": ("PrepareProviderConfig", "PrepareProviderConfig"),
    "ValidateResourceConfig": ("ValidateResourceTypeConfig", "ValidateResourceTypeConfig"),
    "ValidateDataResourceConfig": ("ValidateDataSourceConfig", "ValidateDataSourceConfig"),
    "ConfigureProvider": ("Configure", "Configure"),
    "StopProvider": ("Stop", "Stop"),
}


def method_and_message(protocol, op):
    """(rpc method name, message name) of an operation in protocol 5 or 6."""
    if protocol == 5 and op in V5_NAMES:
        return V5_NAMES[op]
    return op, op


def candidate_dirs(binary=None):
    dirs = []
    if os.environ.get("TF_PROTO_PYTHON_DIR"):
        dirs.append(os.environ["TF_PROTO_PYTHON_DIR"])
    if binary:
        dirs.append(os.path.join(os.path.dirname(os.path.abspath(binary)), "python"))
    if os.environ.get("TF_TEST_BINARY_DIR"):
        dirs.append(os.path.join(os.environ["TF_TEST_BINARY_DIR"], "python"))
    here = os.path.dirname(os.path.abspath(__file__))
    source = os.path.dirname(os.path.dirname(here))
    dirs.extend(sorted(glob.glob(os.path.join(source, "build*", "python"))))
    return dirs


_added = set()


def use_dir(binary=None):
    """Puts the first directory holding tfplugin6_pb2.py on sys.path; returns it (None if none)."""
    for d in candidate_dirs(binary):
        if os.path.exists(os.path.join(d, "tfplugin6_pb2.py")):
            if d not in _added:
                sys.path.insert(0, d)
                _added.add(d)
            return d
    return None


def module(protocol, binary=None):
    """The generated module for tfplugin5 or tfplugin6."""
    if use_dir(binary) is None:
        raise ImportError(
            "generated protobuf modules not found: build the project (they land in <build>/python) "
            "or set TF_PROTO_PYTHON_DIR; looked in " + ", ".join(candidate_dirs(binary))
        )
    return importlib.import_module(f"tfplugin{protocol}_pb2")
