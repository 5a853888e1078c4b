// Conformance of the EC2 emulator with the official AWS SDK for JavaScript v3 (node --test): the SDK's own
// signer must be accepted, and the SDK's own deserializers must find every documented field in the
// emulator's replies (DeregisterImage's DeleteSnapshotResults, DescribeImages' BlockDeviceMappings, Tags,
// DeregistrationProtection, DeprecationTime...). Errors, DryRun, retries of injected faults and clock-skew
// correction are checked the way the SDK sees them.

import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import * as EC2 from "@aws-sdk/client-ec2";
import { admin, CREDENTIALS, makeClient, startEmulator } from "./sdk_lib.mjs";

const OWNER = "123456789012";
let emu;
let ec2;

before(async () => {
  emu = await startEmulator(["--pending-delay", "0.2", "--deregistered-linger", "1", "--protection-cooldown", "1"]);
  ec2 = makeClient(emu.url);
});

after(() => emu.stop());

beforeEach(async () => {
  await admin(emu.url, "POST", "reset");
});

const send = (cmd, client = ec2) => client.send(cmd);

async function seedSnapshot(spec = {}) {
  return (await admin(emu.url, "POST", "snapshots", { volume_size: 8, ...spec })).snapshot_id;
}

async function registerImage(name, snapshotId, extra = {}) {
  const out = await send(
    new EC2.RegisterImageCommand({
      Name: name,
      RootDeviceName: "/dev/xvda",
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: snapshotId } }],
      ...extra,
    }),
  );
  assert.match(out.ImageId, /^ami-[0-9a-f]{17}$/);
  return out.ImageId;
}

async function describeOne(imageId) {
  const out = await send(new EC2.DescribeImagesCommand({ ImageIds: [imageId] }));
  assert.equal(out.Images.length, 1);
  return out.Images[0];
}

async function expectError(promise, name, status) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, status);
    assert.match(e.$metadata.requestId, /^[0-9a-f-]{36}$/);
    return true;
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("RegisterImage then DescribeImages carries every documented field", async () => {
  const root = await seedSnapshot({ volume_size: 10 });
  const data = await seedSnapshot({ volume_size: 4, encrypted: true, kms_key_id: "arn:aws:kms:us-east-1:123456789012:key/k" });
  const id = await registerImage("sdk-full", root, {
    Description: "full image",
    Architecture: "arm64",
    VirtualizationType: "hvm",
    EnaSupport: true,
    SriovNetSupport: "simple",
    BootMode: "uefi",
    TpmSupport: "v2.0",
    ImdsSupport: "v2.0",
    BlockDeviceMappings: [
      { DeviceName: "/dev/xvda", Ebs: { SnapshotId: root, VolumeSize: 12, VolumeType: "gp3", Iops: 3000, Throughput: 150, DeleteOnTermination: false } },
      { DeviceName: "/dev/sdb", Ebs: { SnapshotId: data } },
      { DeviceName: "/dev/sdc", VirtualName: "ephemeral0" },
      { DeviceName: "/dev/sdd", NoDevice: "" },
    ],
    TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "Name", Value: "sdk" }, { Key: "blank", Value: "" }] }],
  });
  await send(new EC2.EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date("2031-01-02T03:04:05Z") }));
  const img = await describeOne(id);
  assert.equal(img.ImageId, id);
  assert.equal(img.State, "pending");
  assert.equal(img.OwnerId, OWNER);
  assert.match(img.CreationDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(img.Public, false);
  assert.equal(img.Architecture, "arm64");
  assert.equal(img.ImageType, "machine");
  assert.equal(img.PlatformDetails, "Linux/UNIX");
  assert.equal(img.UsageOperation, "RunInstances");
  assert.equal(img.Name, "sdk-full");
  assert.equal(img.Description, "full image");
  assert.equal(img.ImageLocation, `${OWNER}/sdk-full`);
  assert.equal(img.RootDeviceType, "ebs");
  assert.equal(img.RootDeviceName, "/dev/xvda");
  assert.equal(img.VirtualizationType, "hvm");
  assert.equal(img.Hypervisor, "xen");
  assert.equal(img.EnaSupport, true);
  assert.equal(img.SriovNetSupport, "simple");
  assert.equal(img.BootMode, "uefi");
  assert.equal(img.TpmSupport, "v2.0");
  assert.equal(img.ImdsSupport, "v2.0");
  assert.equal(img.DeregistrationProtection, "disabled");
  assert.equal(img.DeprecationTime, "2031-01-02T03:04:00.000Z");
  assert.deepEqual(img.Tags, [{ Key: "Name", Value: "sdk" }, { Key: "blank", Value: "" }]);
  assert.deepEqual(img.BlockDeviceMappings, [
    {
      DeviceName: "/dev/xvda",
      Ebs: { SnapshotId: root, VolumeSize: 12, DeleteOnTermination: false, VolumeType: "gp3", Iops: 3000, Throughput: 150, Encrypted: false },
    },
    {
      DeviceName: "/dev/sdb",
      Ebs: { SnapshotId: data, VolumeSize: 4, DeleteOnTermination: true, VolumeType: "gp2", Encrypted: true, KmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k" },
    },
    { DeviceName: "/dev/sdc", VirtualName: "ephemeral0" },
    { DeviceName: "/dev/sdd", NoDevice: "" },
  ]);
  await sleep(400);
  assert.equal((await describeOne(id)).State, "available");
  const disabled = await send(new EC2.DisableImageDeprecationCommand({ ImageId: id }));
  assert.equal(disabled.Return, true);
  assert.equal((await describeOne(id)).DeprecationTime, undefined);
});

test("DescribeImages filters, owners and the SDK paginator", async () => {
  const snap = await seedSnapshot();
  const ids = [];
  for (let n = 0; n < 7; n++) ids.push(await registerImage(`page-${n}`, snap));
  const other = await registerImage("lonely", await seedSnapshot(), { Architecture: "arm64" });
  const seen = [];
  let pages = 0;
  for await (const page of EC2.paginateDescribeImages({ client: ec2, pageSize: 5 }, { Owners: ["self"], Filters: [{ Name: "name", Values: ["page-?"] }] })) {
    pages++;
    seen.push(...page.Images.map((i) => i.ImageId));
  }
  assert.equal(pages, 2);
  assert.deepEqual(seen.sort(), [...ids].sort());
  const arm = await send(new EC2.DescribeImagesCommand({ Filters: [{ Name: "architecture", Values: ["arm64"] }] }));
  assert.deepEqual(arm.Images.map((i) => i.ImageId), [other]);
  const bySnap = await send(new EC2.DescribeImagesCommand({ Filters: [{ Name: "block-device-mapping.snapshot-id", Values: [snap] }] }));
  assert.equal(bySnap.Images.length, 7);
  await expectError(send(new EC2.DescribeImagesCommand({ ImageIds: ["ami-00000000000000000"] })), "InvalidAMIID.NotFound", 400);
});

test("DeregisterImage returns DeleteSnapshotResults with every return code", async () => {
  const shared = await seedSnapshot();
  const own = await seedSnapshot();
  const faulty = await seedSnapshot();
  const denied = await seedSnapshot();
  const id = await registerImage("to-delete", shared, {
    BlockDeviceMappings: [
      { DeviceName: "/dev/xvda", Ebs: { SnapshotId: shared } },
      { DeviceName: "/dev/sdb", Ebs: { SnapshotId: own } },
      { DeviceName: "/dev/sdc", Ebs: { SnapshotId: faulty } },
      { DeviceName: "/dev/sdd", Ebs: { SnapshotId: denied } },
    ],
  });
  await registerImage("keeps-shared", shared);
  await admin(emu.url, "POST", "policy", { snapshot_results: { [faulty]: "internal-error", [denied]: "missing-permissions" } });
  const out = await send(new EC2.DeregisterImageCommand({ ImageId: id, DeleteAssociatedSnapshots: true }));
  assert.equal(out.Return, true);
  assert.deepEqual(out.DeleteSnapshotResults, [
    { SnapshotId: shared, ReturnCode: "skipped" },
    { SnapshotId: own, ReturnCode: "success" },
    { SnapshotId: faulty, ReturnCode: "internal-error" },
    { SnapshotId: denied, ReturnCode: "missing-permissions" },
  ]);
  assert.equal((await describeOne(id)).State, "deregistered");
  const plainSnap = await seedSnapshot();
  const plain = await send(new EC2.DeregisterImageCommand({ ImageId: await registerImage("plain", plainSnap) }));
  assert.equal(plain.Return, true);
  assert.equal(plain.DeleteSnapshotResults, undefined);
  await admin(emu.url, "POST", "policy", {});
  // DeleteSnapshot has no output members in the SDK: success is the absence of an error.
  await send(new EC2.DeleteSnapshotCommand({ SnapshotId: faulty }));
  const left = (await admin(emu.url, "GET", "state")).snapshots.map((s) => s.snapshot_id).sort();
  assert.deepEqual(left, [shared, denied, plainSnap].sort());
});

test("tags, attributes and launch permissions round-trip", async () => {
  const snap = await seedSnapshot();
  const id = await registerImage("attrs", snap);
  await send(new EC2.CreateTagsCommand({ Resources: [id, snap], Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] }));
  const snaps = await send(new EC2.DescribeSnapshotsCommand({ SnapshotIds: [snap] }));
  assert.deepEqual(snaps.Snapshots[0].Tags, [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }]);
  await send(new EC2.DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "a" }] }));
  assert.deepEqual((await describeOne(id)).Tags, [{ Key: "b", Value: "2" }]);
  await send(new EC2.ModifyImageAttributeCommand({ ImageId: id, Description: { Value: "changed" } }));
  await send(new EC2.ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: "111122223333" }, { Group: "all" }] } }));
  const img = await describeOne(id);
  assert.equal(img.Description, "changed");
  assert.equal(img.Public, true);
  const perms = await send(new EC2.DescribeImageAttributeCommand({ ImageId: id, Attribute: "launchPermission" }));
  assert.equal(perms.ImageId, id);
  assert.deepEqual(perms.LaunchPermissions, [{ UserId: "111122223333" }, { Group: "all" }]);
  const desc = await send(new EC2.DescribeImageAttributeCommand({ ImageId: id, Attribute: "description" }));
  assert.deepEqual(desc.Description, { Value: "changed" });
  await send(new EC2.ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Remove: [{ Group: "all" }] } }));
  assert.equal((await describeOne(id)).Public, false);
});

test("deregistration protection returns strings and blocks DeregisterImage", async () => {
  const id = await registerImage("protected", await seedSnapshot());
  const on = await send(new EC2.EnableImageDeregistrationProtectionCommand({ ImageId: id }));
  assert.equal(on.Return, "enabled-without-cooldown");
  assert.equal((await describeOne(id)).DeregistrationProtection, "enabled-without-cooldown");
  await expectError(send(new EC2.DeregisterImageCommand({ ImageId: id })), "OperationNotPermitted", 400);
  const withCooldown = await send(new EC2.EnableImageDeregistrationProtectionCommand({ ImageId: id, WithCooldown: true }));
  assert.equal(withCooldown.Return, "enabled-with-cooldown");
  const off = await send(new EC2.DisableImageDeregistrationProtectionCommand({ ImageId: id }));
  assert.equal(off.Return, "disabled");
  await expectError(send(new EC2.DeregisterImageCommand({ ImageId: id })), "OperationNotPermitted", 400);
  await sleep(1100);
  assert.equal((await send(new EC2.DeregisterImageCommand({ ImageId: id }))).Return, true);
});

test("snapshots: create, describe with paginator, delete in use and free", async () => {
  const created = await send(
    new EC2.CreateSnapshotCommand({
      VolumeId: "vol-0123456789abcdef0",
      Description: "sdk snapshot",
      TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "k", Value: "v" }] }],
    }),
  );
  assert.match(created.SnapshotId, /^snap-[0-9a-f]{17}$/);
  assert.equal(created.VolumeId, "vol-0123456789abcdef0");
  assert.equal(created.State, "completed");
  assert.ok(created.StartTime instanceof Date);
  assert.equal(created.OwnerId, OWNER);
  assert.equal(created.VolumeSize, 8);
  assert.equal(created.Encrypted, false);
  assert.deepEqual(created.Tags, [{ Key: "k", Value: "v" }]);
  for (let n = 0; n < 6; n++) await seedSnapshot({ volume_size: n + 1 });
  const all = [];
  for await (const page of EC2.paginateDescribeSnapshots({ client: ec2, pageSize: 5 }, { OwnerIds: ["self"] })) all.push(...page.Snapshots);
  assert.equal(all.length, 7);
  const mine = all.find((s) => s.SnapshotId === created.SnapshotId);
  assert.equal(mine.Description, "sdk snapshot");
  assert.equal(mine.Progress, "100%");
  assert.equal(mine.StorageTier, "standard");
  const id = await registerImage("uses-snap", created.SnapshotId);
  await expectError(send(new EC2.DeleteSnapshotCommand({ SnapshotId: created.SnapshotId })), "InvalidSnapshot.InUse", 400);
  await send(new EC2.DeregisterImageCommand({ ImageId: id }));
  await send(new EC2.DeleteSnapshotCommand({ SnapshotId: created.SnapshotId }));
  const byId = send(new EC2.DescribeSnapshotsCommand({ SnapshotIds: [created.SnapshotId] }));
  await expectError(byId, "InvalidSnapshot.NotFound", 400);
});

test("CopyImage is idempotent on ClientToken; the SDK generates one when absent", async () => {
  const src = await registerImage("copy-source", await seedSnapshot());
  await sleep(300);
  const input = { Name: "copy-dest", SourceImageId: src, SourceRegion: "us-east-1", ClientToken: "sdk-token-1", CopyImageTags: true };
  const a = await send(new EC2.CopyImageCommand(input));
  const b = await send(new EC2.CopyImageCommand(input));
  assert.equal(a.ImageId, b.ImageId);
  assert.notEqual(a.ImageId, src);
  assert.equal((await describeOne(a.ImageId)).SourceImageId, src);
  await send(new EC2.CopyImageCommand({ Name: "copy-dest-2", SourceImageId: src, SourceRegion: "us-east-1" }));
  const log = await admin(emu.url, "GET", "requests?action=CopyImage");
  const generated = log[log.length - 1].params.ClientToken;
  assert.match(generated, /^[0-9a-f-]{36}$/);
});

test("DryRun and denied actions surface as the SDK's typed errors", async () => {
  const id = await registerImage("dry", await seedSnapshot());
  const dry = send(new EC2.DeregisterImageCommand({ ImageId: id, DryRun: true }));
  await assert.rejects(dry, (e) => e.name === "DryRunOperation" && e.$metadata.httpStatusCode === 412 && e.message === "Request would have succeeded, but DryRun flag is set.");
  await admin(emu.url, "POST", "policy", { deny_actions: ["DeregisterImage"] });
  await assert.rejects(send(new EC2.DeregisterImageCommand({ ImageId: id, DryRun: true })), (e) => {
    assert.equal(e.name, "UnauthorizedOperation");
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.match(e.message, /Encoded authorization failure message: [A-Za-z0-9+/=]+$/);
    return true;
  });
  assert.equal((await describeOne(id)).State !== "deregistered", true);
});

test("the emulator rejects bad signatures and unknown keys the way the SDK expects", async () => {
  const wrongSecret = makeClient(emu.url, { credentials: { ...CREDENTIALS, secretAccessKey: "wrong" } });
  await expectError(send(new EC2.DescribeImagesCommand({}), wrongSecret), "SignatureDoesNotMatch", 403);
  const unknown = makeClient(emu.url, { credentials: { accessKeyId: "AKIDNOBODY", secretAccessKey: "x" } });
  await expectError(send(new EC2.DescribeImagesCommand({}), unknown), "AuthFailure", 401);
  await admin(emu.url, "POST", "credentials", { access_key: "ASIASDK", secret_key: "sdk-secret", session_token: "sdk-token" });
  const session = makeClient(emu.url, { credentials: { accessKeyId: "ASIASDK", secretAccessKey: "sdk-secret", sessionToken: "sdk-token" } });
  assert.deepEqual((await send(new EC2.DescribeImagesCommand({}), session)).Images, []);
});

test("injected throttling and 5xx faults are retried by the SDK, others are not", async () => {
  const retrying = makeClient(emu.url, { maxAttempts: 4 });
  await admin(emu.url, "POST", "faults", { faults: [{ kind: "throttle" }, { kind: "internal-error" }, { kind: "unavailable" }] });
  const out = await send(new EC2.DescribeImagesCommand({}), retrying);
  assert.equal(out.$metadata.attempts, 4);
  const log = await admin(emu.url, "GET", "requests");
  assert.deepEqual(log.map((e) => e.status), [400, 500, 503, 200]);
  await admin(emu.url, "POST", "faults", { kind: "truncate" });
  await assert.rejects(send(new EC2.DescribeImagesCommand({})));
  await admin(emu.url, "POST", "faults", { kind: "drop" });
  await assert.rejects(send(new EC2.DescribeImagesCommand({})));
  assert.deepEqual((await send(new EC2.DescribeImagesCommand({}))).Images, []);
});

test("the SDK corrects its clock from the emulator's Date header after RequestExpired", async () => {
  await admin(emu.url, "POST", "clock", { offset: 3600 });
  const skewed = makeClient(emu.url, { maxAttempts: 2 });
  const out = await send(new EC2.DescribeImagesCommand({}), skewed);
  assert.equal(out.$metadata.attempts, 2);
  const log = await admin(emu.url, "GET", "requests");
  assert.deepEqual(log.map((e) => e.error_code), ["RequestExpired", null]);
});
