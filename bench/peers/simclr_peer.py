#!/usr/bin/env python3
"""PyTorch CPU peer of bench/simclr.ts: the same architecture, batch, inputs, initial weights and thread count.

Reads the state that bench/simclr.ts --export wrote (state.json + state.bin: the tfjs variables by name, the input
views and the loss there), loads it into the PyTorch model, checks equal work (same trainable parameter count, same
loss / embedding mean to 1e-3 relative) and only then times SGD steps (or embedding passes).

  python3 bench/peers/simclr_peer.py --state DIR --threads 2 --steps 3 --warmup 1 --out result.json [--device cuda]

With --device cuda (bench/gpu/run.sh) the model and inputs live on the GPU and every timed step ends with
torch.cuda.synchronize(), so the times are of finished work.

Prints nothing but progress on stderr; writes a JSON result (or {"error": ...}). Exit 3 if torch is absent.
"""
import argparse
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:  # the benchmark reports the peer as skipped
    print(json.dumps({"error": f"PyTorch not available: {error}"}))
    sys.exit(3)


class Registry:
    """Maps tfjs variable names to torch tensors and how to convert them."""

    def __init__(self):
        self.entries = []  # (tfjs name, torch tensor, kind)

    def conv(self, name, module):
        self.entries.append((f"{name}/kernel", module.weight, "conv"))

    def bn(self, name, module):
        self.entries += [
            (f"{name}/gamma", module.weight, "vector"),
            (f"{name}/beta", module.bias, "vector"),
            (f"{name}/runningMean", module.running_mean, "vector"),
            (f"{name}/runningVar", module.running_var, "vector"),
        ]

    def dense(self, name, module):
        self.entries += [(f"{name}/kernel", module.weight, "dense"), (f"{name}/bias", module.bias, "vector")]


def conv3(cin, cout, stride):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, reg, prefix, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = conv3(cin, cout, stride), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        self.conv2, self.bn2 = conv3(cout, cout, 1), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        reg.conv(f"{prefix}/conv1", self.conv1)
        reg.bn(f"{prefix}/bn1", self.bn1)
        reg.conv(f"{prefix}/conv2", self.conv2)
        reg.bn(f"{prefix}/bn2", self.bn2)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1))
            reg.conv(f"{prefix}/downsample/conv", self.down[0])
            reg.bn(f"{prefix}/downsample/bn", self.down[1])

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (self.down(x) if self.down is not None else x))


class ResNet18(nn.Module):
    """ResNet-18 with the CIFAR stem (3x3 stride-1 conv, no max-pool), as @selfsup/encoders builds it."""

    def __init__(self, reg, width=1.0):
        super().__init__()
        base = int(64 * width)
        self.stem, self.stem_bn = conv3(3, base, 1), nn.BatchNorm2d(base, eps=1e-5, momentum=0.1)
        reg.conv("stem/conv", self.stem)
        reg.bn("stem/bn", self.stem_bn)
        blocks, cin = [], base
        for s in range(4):
            cout = base * 2**s
            for b in range(2):
                blocks.append(BasicBlock(reg, f"layer{s + 1}/{b}", cin, cout, 2 if b == 0 and s > 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.output_dim = cin

    def forward(self, x):
        h = self.blocks(F.relu(self.stem_bn(self.stem(x))))
        return h.mean(dim=(2, 3))


class ConvNet(nn.Module):
    """@selfsup/encoders convNet: blocks of 3x3 conv (padding 1, no bias) -> batch norm -> relu; global average pool."""

    def __init__(self, reg, cin=1, channels=(32, 64, 128), strides=(1, 2, 2)):
        super().__init__()
        layers = []
        for i, (c, s) in enumerate(zip(channels, strides)):
            conv, bn = conv3(cin, c, s), nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)
            reg.conv(f"block{i}/conv", conv)
            reg.bn(f"block{i}/bn", bn)
            layers += [conv, bn, nn.ReLU()]
            cin = c
        self.body = nn.Sequential(*layers)
        self.output_dim = cin

    def forward(self, x):
        return self.body(x).mean(dim=(2, 3))


class Head(nn.Module):
    """SimCLR's 2-layer projection head: dense(D) -> relu -> dense(128), as simclrProjectionHead."""

    def __init__(self, reg, dim, out=128):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, dim), nn.Linear(dim, out)
        reg.dense("block0/dense", self.fc1)
        reg.dense("block1/dense", self.fc2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def nt_xent(z1, z2, temperature):
    """As @selfsup/contrastive ntXent: L2-normalise [z1; z2], mask self-similarity with -1e9, cross-entropy to the twin."""
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2], 0), dim=1, eps=1e-12)
    logits = z @ z.t() / temperature - torch.eye(2 * n, device=z.device) * 1e9
    targets = (torch.arange(2 * n, device=z.device) + n) % (2 * n)
    return F.cross_entropy(logits, targets)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out", required=True)
    parser.add_argument("--channels-last", action="store_true", help="NHWC memory format (PyTorch default is NCHW)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"error": "--device cuda: torch.cuda.is_available() is false"}))
        sys.exit(3)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    if device.type == "cuda":
        # float32 as webgpu computes, not TF32 (PyTorch's default for cuDNN convolutions): the same work.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(args.threads)
    meta = json.load(open(os.path.join(args.state, "state.json")))
    flat = np.fromfile(os.path.join(args.state, "state.bin"), dtype=np.float32)
    tensors = {}
    for e in meta["entries"]:
        size = int(np.prod(e["shape"])) if e["shape"] else 1
        tensors[e["name"]] = flat[e["offset"]: e["offset"] + size].reshape(e["shape"])
    workload = meta["workload"]
    enc_reg, head_reg = Registry(), Registry()
    encoder = ConvNet(enc_reg) if workload == "simclr-convnet" else ResNet18(enc_reg, meta["width"])
    head = Head(head_reg, encoder.output_dim) if workload != "embed-resnet18" else None
    prefixes = [("encoder", enc_reg)] + ([("head", head_reg)] if head is not None else [])
    # tfjs names: the encoder's come first, then the head's (both start at block0 for convNet + head: keep order).
    tfjs_names = [e["name"] for e in meta["entries"] if not e["name"].startswith("input")]
    ours = [name for _, reg in prefixes for name, _, _ in reg.entries]
    if tfjs_names != ours:
        raise SystemExit(json.dumps({"error": f"variable lists differ: tfjs {tfjs_names[:5]}... vs torch {ours[:5]}..."}))
    with torch.no_grad():
        for (name, target, kind), source_name in zip([e for _, reg in prefixes for e in reg.entries], tfjs_names):
            value = torch.from_numpy(tensors[source_name].copy())
            if kind == "conv":
                value = value.permute(3, 2, 0, 1)  # HWIO -> OIHW
            elif kind == "dense":
                value = value.t()  # [in, out] -> [out, in]
            target.copy_(value.contiguous())
    modules = [m for m in (encoder, head) if m is not None]
    params = [p for m in modules for p in m.parameters()]
    parameter_count = sum(p.numel() for p in params)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    for m in modules:
        m.to(device=device, memory_format=memory_format)
    to_nchw = lambda a: torch.from_numpy(a.copy()).permute(0, 3, 1, 2).contiguous(memory_format=memory_format).to(device)
    result = {"peer": "pytorch", "workload": workload, "torch": torch.__version__, "threads": torch.get_num_threads(),
              "parameters": parameter_count, "batch": meta["batch"], "memoryFormat": "NHWC" if args.channels_last else "NCHW",
              "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}
    wall, cpu = [], []
    if head is not None:
        v = torch.cat([to_nchw(tensors["input0"]), to_nchw(tensors["input1"])], 0)
        n = meta["batch"]
        encoder.train()
        head.train()

        def loss_fn():
            z = head(encoder(v))
            return nt_xent(z[:n], z[n:], meta["temperature"])

        check = float(loss_fn().item())
        result["check"] = check
        result["tfjsCheck"] = meta["check"]
        relative = abs(check - meta["check"]) / max(abs(meta["check"]), 1e-12)
        result["checkRelativeError"] = relative
        if not relative <= 1e-3:  # NaN fails too
            result["error"] = f"equal-work check failed: loss {check} vs tfjs {meta['check']} (relative {relative:.2e})"
            json.dump(result, open(args.out, "w"))
            return
        optimizer = torch.optim.SGD(params, lr=meta["learningRate"])
        losses = []
        for i in range(args.warmup + args.steps):
            start, start_cpu = time.perf_counter(), time.process_time()
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.item()))
            sync()
            if i >= args.warmup:
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            print(f"  pytorch {workload} step {i + 1}/{args.warmup + args.steps}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
        result.update({"imagesPerStep": 2 * n, "losses": losses})
    else:
        x = to_nchw(tensors["input0"])
        encoder.eval()
        calls = max(1, round(meta["images"] / meta["batch"]))
        with torch.no_grad():
            check = float(encoder(x).mean().item())
            result["check"] = check
            result["tfjsCheck"] = meta["check"]
            relative = abs(check - meta["check"]) / max(abs(meta["check"]), 1e-12)
            result["checkRelativeError"] = relative
            if not relative <= 1e-3:  # NaN fails too
                result["error"] = f"equal-work check failed: embedding mean {check} vs tfjs {meta['check']} (relative {relative:.2e})"
                json.dump(result, open(args.out, "w"))
                return
            for _ in range(args.warmup):  # single calls, as bench/simclr.ts
                encoder(x)
            sync()
            for i in range(args.steps):
                start, start_cpu = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    encoder(x)
                sync()
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                print(f"  pytorch {workload} pass {i + 1}/{args.steps}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
        result["imagesPerStep"] = calls * meta["batch"]
    result.update({"wall": wall, "cpu": cpu})
    json.dump(result, open(args.out, "w"))


if __name__ == "__main__":
    main()
