#!/usr/bin/python3
"""A tiny go-plugin provider in Python (tfplugin6, plaintext), for testing the driver's engine
without the C provider or EC2. Objects live in the JSON file named by FAKE_STORE, so they outlive
the process as remote objects do.

Resource fake_thing: id (computed), name (required, forces replacement), note (optional),
size (optional+computed, default 8), tags (map). Magic values make it misbehave on purpose:
note "BAD_PLAN" -> plans another note (invalid plan); name "FAIL_CREATE" -> create returns the object
with an error (must become tainted); note "BAD_APPLY" -> apply stores another note (inconsistent
result); name "SLOW" -> create waits up to 10 s for StopProvider, then fails without an object. Data source fake_thing: looks an object up by id. Calls are logged to FAKE_STORE + ".calls".
"""
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent import futures

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.driver import protos  # noqa: E402
from tests.driver.values import UNKNOWN, decode, encode  # noqa: E402

pb = protos.module(6)
STORE = os.environ.get("FAKE_STORE") or os.path.join(tempfile.gettempdir(), "fake_provider_store.json")
T = ["object", {"id": "string", "name": "string", "note": "string", "size": "number",
                "tags": ["map", "string"]}]
DS_T = ["object", {"id": "string", "name": "string", "size": "number"}]


def load():
    if os.path.exists(STORE):
        with open(STORE) as fh:
            return json.load(fh)
    return {}


def save(objs):
    with open(STORE, "w") as fh:
        json.dump(objs, fh)


def log_call(name, extra=""):
    with open(STORE + ".calls", "a") as fh:
        fh.write(f"{name} {extra}\n")


def attr(name, type_, **kw):
    return pb.Schema.Attribute(name=name, type=json.dumps(type_).encode(), **kw)


def diag(summary, detail="", path=None):
    d = pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)
    if path:
        d.attribute.steps.add(attribute_name=path)
    return d


def dv(v, t):
    return pb.DynamicValue(msgpack=encode(v, t))


def get_schema(req, ctx):
    log_call("GetProviderSchema")
    r = pb.GetProviderSchema.Response()
    r.provider.block.attributes.extend([attr("region", "string", optional=True)])
    r.resource_schemas["fake_thing"].block.attributes.extend([
        attr("id", "string", computed=True), attr("name", "string", required=True),
        attr("note", "string", optional=True), attr("size", "number", optional=True, computed=True),
        attr("tags", ["map", "string"], optional=True)])
    r.data_source_schemas["fake_thing"].block.attributes.extend([
        attr("id", "string", required=True), attr("name", "string", computed=True),
        attr("size", "number", computed=True)])
    r.server_capabilities.plan_destroy = True
    return r


def validate_provider(req, ctx):
    cfg = decode(req.config.msgpack, ["object", {"region": "string"}])
    r = pb.ValidateProviderConfig.Response()
    if cfg["region"] == "nowhere":
        r.diagnostics.append(diag("Invalid region", "nowhere is not a region", "region"))
    return r


def plan(req, ctx):
    prior = decode(req.prior_state.msgpack, T)
    proposed = decode(req.proposed_new_state.msgpack, T)
    log_call("PlanResourceChange", "destroy" if proposed is None else "create" if prior is None else "update")
    r = pb.PlanResourceChange.Response()
    if proposed is None:
        r.planned_state.CopyFrom(dv(None, T))
        r.planned_private = b"destroy-private"
        return r
    planned = dict(proposed)
    if prior is None:
        planned["id"] = UNKNOWN
    if planned["size"] is None:
        planned["size"] = 8
    if planned["note"] == "BAD_PLAN":
        planned["note"] = "something else"
    r.planned_state.CopyFrom(dv(planned, T))
    if prior is not None and prior["name"] != planned["name"]:
        r.requires_replace.add().steps.add(attribute_name="name")
    r.planned_private = b"plan-private"
    return r


STOPPED = threading.Event()


def stop_provider(req, ctx):
    log_call("StopProvider")
    STOPPED.set()
    return pb.StopProvider.Response()


def apply(req, ctx):
    prior = decode(req.prior_state.msgpack, T)
    planned = decode(req.planned_state.msgpack, T)
    log_call("ApplyResourceChange", f"private={req.planned_private.decode()}")
    if planned is not None and planned["name"] == "SLOW":
        stopped = STOPPED.wait(10)
        r = pb.ApplyResourceChange.Response(new_state=dv(None, T))
        r.diagnostics.append(diag("Interrupted" if stopped else "Timed out", "nothing was created"))
        return r
    objs = load()
    r = pb.ApplyResourceChange.Response()
    if planned is None:
        objs.pop(prior["id"], None)
        save(objs)
        r.new_state.CopyFrom(dv(None, T))
        return r
    new = dict(planned)
    if new["id"] is UNKNOWN:
        new["id"] = "thing-" + uuid.uuid4().hex[:8]
    if new["note"] == "BAD_APPLY":
        new["note"] = "changed behind your back"
    objs[new["id"]] = new
    save(objs)
    r.new_state.CopyFrom(dv(new, T))
    r.private = b"apply-private"
    if new["name"] == "FAIL_CREATE":
        r.diagnostics.append(diag("Creation failed half-way", "the object exists but is not usable"))
    return r


def read(req, ctx):
    cur = decode(req.current_state.msgpack, T)
    log_call("ReadResource", f"private={req.private.decode()}")
    obj = load().get(cur["id"])
    r = pb.ReadResource.Response()
    r.new_state.CopyFrom(dv(obj, T))
    r.private = req.private
    return r


def import_state(req, ctx):
    r = pb.ImportResourceState.Response()
    ir = r.imported_resources.add(type_name="fake_thing", private=b"imported")
    ir.state.CopyFrom(dv({"id": req.id}, T))
    return r


def read_data(req, ctx):
    cfg = decode(req.config.msgpack, DS_T)
    obj = load().get(cfg["id"])
    r = pb.ReadDataSource.Response()
    if obj is None:
        r.diagnostics.append(diag("No such thing", cfg["id"], "id"))
        return r
    r.state.CopyFrom(dv({"id": obj["id"], "name": obj["name"], "size": obj["size"]}, DS_T))
    return r


def upgrade(req, ctx):
    state = json.loads(req.raw_state.json)
    full = {k: state.get(k) for k in T[1]}
    r = pb.UpgradeResourceState.Response()
    r.upgraded_state.CopyFrom(dv(full, T))
    return r


def simple(resp_cls):
    return lambda req, ctx: resp_cls()


METHODS = {
    "GetProviderSchema": (pb.GetProviderSchema, get_schema),
    "ValidateProviderConfig": (pb.ValidateProviderConfig, validate_provider),
    "ValidateResourceConfig": (pb.ValidateResourceConfig, simple(pb.ValidateResourceConfig.Response)),
    "ValidateDataResourceConfig": (pb.ValidateDataResourceConfig, simple(pb.ValidateDataResourceConfig.Response)),
    "ConfigureProvider": (pb.ConfigureProvider, simple(pb.ConfigureProvider.Response)),
    "UpgradeResourceState": (pb.UpgradeResourceState, upgrade),
    "PlanResourceChange": (pb.PlanResourceChange, plan),
    "ApplyResourceChange": (pb.ApplyResourceChange, apply),
    "ReadResource": (pb.ReadResource, read),
    "ImportResourceState": (pb.ImportResourceState, import_state),
    "ReadDataSource": (pb.ReadDataSource, read_data),
    "StopProvider": (pb.StopProvider, stop_provider),
}


def main():
    if os.environ.get("TF_PLUGIN_MAGIC_COOKIE") != "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2":
        sys.stderr.write("This binary is a plugin.\n")
        return 1
    server = grpc.server(futures.ThreadPoolExecutor(10))
    handlers = {name: grpc.unary_unary_rpc_method_handler(fn, request_deserializer=msg.Request.FromString,
                                                          response_serializer=msg.Response.SerializeToString)
                for name, (msg, fn) in METHODS.items()}
    stop = []

    def shutdown(req, ctx):
        stop.append(1)
        return b""

    server.add_generic_rpc_handlers([
        grpc.method_handlers_generic_handler("tfplugin6.Provider", handlers),
        grpc.method_handlers_generic_handler("plugin.GRPCController", {
            "Shutdown": grpc.unary_unary_rpc_method_handler(shutdown)}),
    ])
    sock_dir = tempfile.mkdtemp(prefix="fakeplugin")
    addr = os.path.join(sock_dir, "plugin.sock")
    server.add_insecure_port(f"unix:{addr}")
    server.start()
    sys.stdout.write(f"1|6|unix|{addr}|grpc|\n")
    sys.stdout.flush()
    while not stop:
        time.sleep(0.02)
    server.stop(0.2).wait()
    if os.path.exists(addr):  # grpc may have removed it already
        os.unlink(addr)
    os.rmdir(sock_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
