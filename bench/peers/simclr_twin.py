#!/usr/bin/env python3
"""PyTorch twin of `selfsup pretrain --method simclr` on Fashion-MNIST: the recipe a selfsup run trained, retrained in PyTorch.

Reads a selfsup run directory's run.json (the resolved config `selfsup pretrain` wrote: method, training settings,
method options, the encoder's architecture and config) and trains the same thing with PyTorch on one thread: the
convNet backbone, SimCLR's 2-layer projection head, NT-Xent, the two SimCLR views, the optimizer and the learning-rate
schedule, under a CPU-time budget that drives the schedule as selfsup's `fit` does. Then embeds the train and test
splits with the backbone (eval mode) and writes them for bench/peers/probe-features.mjs, which probes them with
@selfsup/eval's probes as `selfsup eval` does.

  /usr/bin/python3 bench/peers/simclr_twin.py --run RUN_DIR --budget 600 --seed 0 --out OUT_DIR [--data DIR] [--limit N]

Writes to --out: features.json (metadata), train-features.f32 / test-features.f32 (float32 little-endian [N, D]),
train-labels.i32 / test-labels.i32 (int32 little-endian [N]), twin.json (steps, CPU seconds, losses, ...).

  /usr/bin/python3 bench/peers/simclr_twin.py --self-check EXCHANGE.json

reads what bench/peers/check_twin.mjs computed with selfsup (parameter counts, NT-Xent on fixed embeddings, the view
operations on fixed parameters, the schedule, a trained encoder's embeddings) and prints the same computed here, with
the differences, as JSON.

What is matched, file by file of the TypeScript sources (see bench/README.md, "Time-to-accuracy against PyTorch"):
- packages/encoders/src/backbones/conv-net.ts: conv k x k, padding k // 2 (symmetric, as conv2d's numeric padding),
  strides from the config, no bias when normalised, batch norm (layers/batch-norm.ts: momentum 0.1, epsilon 1e-5,
  unbiased running variance), group norm (the largest divisor of C <= 32 groups, epsilon 1e-5) or none, the
  activation, global average pool, the optional linear output. Init (init.ts): conv kernels He normal over fan-in,
  dense kernels He uniform over fan-in, biases 0, gamma 1, beta 0.
- packages/encoders/src/heads/presets.ts simclrProjectionHead: dense(D, D) + ReLU, dense(D, 128), with biases.
- packages/contrastive/src/losses/nt-xent.ts: L2-normalise [z1; z2] (max(norm, 1e-12)), logits z z^T / T minus
  1e9 on the diagonal, cross-entropy to the twin view, mean over 2N. Both views go through encoder and head as one
  batch of 2N (methods/parts.ts embedBoth: batch norm sees all 2N).
- packages/augment/src/views.ts viewTransforms, one channel: random resized crop (crop.ts: sampleBox's 10 attempts
  and centre fallback, fractional boxes, cropAndResize's bilinear sampling at pixel centres, flip fused by swapping
  x1 and x2), colour jitter with its probability (colour-jitter.ts: on grey images brightness and contrast only, in a
  random order per image, contrast blending with the image mean, clip after each), grayscale skipped (one channel),
  Gaussian blur with its per-view probability (blur.ts: kernel simclrKernelSize(H) = 2 * floor(floor(H / 10) / 2) + 1,
  radius capped at H - 1, sigma uniform per image, reflect padding, separable), solarize with its per-view
  probability (x < 0.5 ? x : 1 - x), clamp to [0, 1]. Batched tensor ops here (torchvision 0.14 has no
  transforms.v2); the random draws are per image, as selfsup's, from a different generator.
- packages/tensors/src/optim: adam (L2 or decoupled decay), sgd (momentum, Nesterov, L2), lars (trust ratio,
  biases and norm parameters excluded), all PyTorch's update rules; preset.ts trainingFitOptions: lr x batch / 256
  under linear scaling; fit/plan.ts fitSchedule: cosine over epochs x floor(N / batch) planned steps with warm-up
  (warmupSteps, or round(warmupEpochs x steps per epoch)) and final lr, or constant with warm-up; fit/clip.ts global
  norm clipping.
- packages/tensors/src/fit.ts and fit/budget.ts: each epoch a fresh permutation, floor(N / batch) full batches; with
  a budget the schedule's step is max(step, floor(used / budget x planned steps)) (capped at the last), and the loop
  stops at the first step boundary where used >= budget; `used` is this process's CPU time since the loop started
  (time.process_time(), as process.cpuUsage() in Node).
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:  # the benchmark reports the twin as skipped
    print(json.dumps({"error": f"PyTorch not available: {error}"}))
    sys.exit(3)

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


class TwinError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------------
# Data: MNIST-format IDX files, gzipped or not (packages/tensors/src/data/idx.ts)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = raw[0] * 256 + raw[1], raw[2], raw[3]
    if zero != 0 or dtype_code != 0x08:
        raise TwinError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def find_file(directory, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    raise TwinError(f"{directory}: no {stem} or {stem}.gz (expected the MNIST-format IDX files there)")


def load_split(directory, split, limit=None):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(find_file(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find_file(directory, f"{prefix}-labels-idx1-ubyte"))
    n = images.shape[0] if limit is None else min(limit, images.shape[0])
    # As loadIdxDataset: value * (1 / 255) in double precision, stored as float32.
    pixels = (images[:n].astype(np.float64) * (1 / 255)).astype(np.float32)
    if pixels.ndim == 3:
        pixels = pixels[:, None, :, :]
    else:  # [N, H, W, C] -> NCHW
        pixels = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2))
    return torch.from_numpy(pixels), labels[:n].astype(np.int32)


# ---------------------------------------------------------------------------------------------------------------
# Architecture (packages/encoders)


def default_groups(channels):
    for g in range(min(32, channels), 1, -1):
        if channels % g == 0:
            return g
    return 1


def activation_module(name):
    table = {
        "relu": nn.ReLU(),
        "leakyRelu": nn.LeakyReLU(0.01),
        "elu": nn.ELU(),
        "gelu": nn.GELU(),  # exact erf form, as activate('gelu')
        "tanh": nn.Tanh(),
        "sigmoid": nn.Sigmoid(),
        "linear": nn.Identity(),
    }
    if name not in table:
        raise TwinError(f"activation {name!r} is not one of {', '.join(table)}")
    return table[name]


def he_normal_(weight, fan_in):
    with torch.no_grad():
        weight.normal_(0.0, math.sqrt(2.0 / fan_in))


def he_uniform_(weight, fan_in):
    bound = math.sqrt(6.0 / fan_in)
    with torch.no_grad():
        weight.uniform_(-bound, bound)


def dense_layer(inp, out, bias=True):
    layer = nn.Linear(inp, out, bias=bias)
    he_uniform_(layer.weight, inp)  # dense.ts: heUniform over fan-in; bias zeros
    if bias:
        nn.init.zeros_(layer.bias)
    return layer


class ConvNet(nn.Module):
    """@selfsup/encoders convNet from its config (run.json's encoder.config)."""

    def __init__(self, config):
        super().__init__()
        cin = config["inputShape"][2]
        channels = config.get("channels", [32, 64, 128])
        strides = config.get("strides", [1] + [2] * (len(channels) - 1))
        k = config.get("kernelSize", 3)
        norm = config.get("norm", "batch")
        act = config.get("activation", "relu")
        layers = []
        for c, s in zip(channels, strides):
            conv = nn.Conv2d(cin, c, k, s, padding=k // 2, bias=norm == "none")
            he_normal_(conv.weight, k * k * cin)
            if conv.bias is not None:
                nn.init.zeros_(conv.bias)
            layers.append(conv)
            if norm == "batch":
                layers.append(nn.BatchNorm2d(c, eps=1e-5, momentum=0.1))
            elif norm == "group":
                layers.append(nn.GroupNorm(default_groups(c), c, eps=1e-5))
            elif norm != "none":
                raise TwinError(f"convNet norm {norm!r} is not one of batch, group, none")
            layers.append(activation_module(act))
            cin = c
        self.body = nn.Sequential(*layers)
        self.output = dense_layer(cin, config["outputDim"]) if config.get("outputDim") is not None else None
        self.output_dim = config["outputDim"] if self.output is not None else cin

    def forward(self, x):
        h = self.body(x).mean(dim=(2, 3))
        return self.output(h) if self.output is not None else h


class ProjectionHead(nn.Module):
    """simclrProjectionHead({ inputDim: D, outputDim: 128 }): dense(D, D) -> ReLU -> dense(D, 128)."""

    def __init__(self, dim, out=128):
        super().__init__()
        self.fc1 = dense_layer(dim, dim)
        self.fc2 = dense_layer(dim, out)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def count_parameters(module):
    return sum(p.numel() for p in module.parameters())


def nt_xent(z1, z2, temperature):
    """ntXent of @selfsup/contrastive."""
    n = z1.shape[0]
    z = torch.cat([z1, z2], 0)
    z = z / torch.clamp(z.norm(dim=1, keepdim=True), min=1e-12)
    logits = z @ z.t() / temperature - torch.eye(2 * n, dtype=z.dtype) * 1e9
    targets = (torch.arange(2 * n) + n) % (2 * n)
    return F.cross_entropy(logits, targets)


# ---------------------------------------------------------------------------------------------------------------
# Views (packages/augment): deterministic operations on given parameters, and the random view that draws them.


def sample_boxes(rng, n, h, w, scale, ratio, attempts=10):
    """crop.ts sampleBox for n images at once: [n, 4] (top, left, height, width) in pixels, fractional."""
    area, aspect = h * w, w / h
    s = rng.uniform(scale[0], scale[1], (n, attempts))
    r = np.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1]), (n, attempts)))
    ok = (s * r <= aspect) & (s * aspect <= r)
    found = ok.any(axis=1)
    first = ok.argmax(axis=1)
    rows = np.arange(n)
    s_ok, r_ok = s[rows, first], r[rows, first]
    r_fb = min(max(aspect, ratio[0]), ratio[1])
    s_fb = min(scale[1], aspect / r_fb, r_fb / aspect)
    s_use = np.where(found, s_ok, s_fb)
    r_use = np.where(found, r_ok, r_fb)
    bw = np.minimum(w, np.sqrt(s_use * area * r_use))
    bh = np.minimum(h, np.sqrt(s_use * area / r_use))
    u_top, u_left = rng.random(n), rng.random(n)
    top = np.where(found, u_top * (h - bh), (h - bh) / 2)
    left = np.where(found, u_left * (w - bw), (w - bw) / 2)
    return np.stack([top, left, bh, bw], axis=1)


def crop_positions(start, extent, size, out):
    """Pixel coordinates cropAndResize samples for one axis (crop.ts normalisedBox + tf.image.cropAndResize)."""
    if size == 1:
        return np.zeros_like(start), np.zeros_like(start)
    first = start + 0.5 * extent / out - 0.5
    last = start + extent - 0.5 * extent / out - 0.5
    a = np.clip(first, 0, size - 1) / (size - 1)
    b = np.clip(last, 0, size - 1) / (size - 1)
    return a, b


def resized_crops(images, boxes, flips, size):
    """cropBoxes(images, boxes, size, { flips }) with bilinear sampling: images NCHW, boxes [n, 4] pixels."""
    n, _, h, w = images.shape
    out_h, out_w = size
    y1, y2 = crop_positions(boxes[:, 0], boxes[:, 2], h, out_h)
    x1, x2 = crop_positions(boxes[:, 1], boxes[:, 3], w, out_w)
    x1, x2 = np.where(flips, x2, x1), np.where(flips, x1, x2)  # cropAndResize runs from x1 to x2: swapped, mirrored

    def axis(a, b, extent, out):  # normalised [a, b] -> pixel positions, as cropAndResize
        if out > 1:
            k = np.arange(out)[None, :]
            return a[:, None] * (extent - 1) + k * ((b - a) * (extent - 1))[:, None] / (out - 1)
        return (0.5 * (a + b) * (extent - 1))[:, None]

    ys = axis(y1, y2, h, out_h)  # [n, out_h]
    xs = axis(x1, x2, w, out_w)
    # grid_sample with align_corners=True maps -1..1 onto pixel centres 0..size-1: the same bilinear weights.
    gy = ys / max(h - 1, 1) * 2 - 1
    gx = xs / max(w - 1, 1) * 2 - 1
    grid = np.stack(np.broadcast_arrays(gx[:, None, :], gy[:, :, None]), axis=-1)
    grid = torch.from_numpy(grid.astype(np.float32))
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=True)


def jitter_grey(images, orders, factors):
    """colorJitter on one-channel images for given per-image orders ([n, rounds] of 0 brightness / 1 contrast) and
    factors ([n, 2]): each round x = clip(f x) or clip(f x + (1 - f) mean(x))."""
    x = images
    n = x.shape[0]
    rows = np.arange(n)
    for r in range(orders.shape[1]):
        op = orders[:, r]
        f = factors[rows, op]
        a_i = torch.from_numpy(f.astype(np.float32)).view(n, 1, 1, 1)
        a_m = torch.from_numpy(np.where(op == 1, 1 - f, 0).astype(np.float32)).view(n, 1, 1, 1)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = torch.clamp(a_i * x + a_m * mean, 0, 1)
    return x


def simclr_kernel_size(side):
    return 2 * ((side // 10) // 2) + 1


def gaussian_taps(size, sigma):
    radius = (size - 1) / 2
    taps = np.exp(-((np.arange(size) - radius) ** 2) / (2 * sigma * sigma))
    return (taps / taps.sum()).astype(np.float32)


def blur(images, sigmas, kernel_size):
    """blurImages: per-image sigma, reflect padding, separable Gaussian (the radius capped at H - 1, W - 1)."""
    n, c, h, w = images.shape
    radius = min((kernel_size - 1) // 2, h - 1, w - 1)
    if radius == 0 or n == 0:
        return images.clone()
    size = 2 * radius + 1
    taps = torch.from_numpy(np.stack([gaussian_taps(size, s) for s in sigmas]))  # [n, size]
    taps = taps.repeat_interleave(c, dim=0)  # one depthwise channel per (image, channel)
    x = F.pad(images.reshape(1, n * c, h, w), (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, taps.view(n * c, 1, 1, size), groups=n * c)
    x = F.conv2d(x, taps.view(n * c, 1, size, 1), groups=n * c)
    return x.view(n, c, h, w)


def solarize(images, threshold=0.5):
    return torch.where(images < threshold, images, 1 - images)


def where_rows(mask, chosen, other):
    m = torch.from_numpy(mask).view(-1, 1, 1, 1)
    return torch.where(m, chosen, other)


class Views:
    """The two views of viewTransforms(options, { size, channels: 1 })."""

    def __init__(self, options, size, channels):
        if channels != 1:
            raise TwinError("the twin implements the one-channel views (Fashion-MNIST); colour images need saturation, hue and grayscale")
        self.o = options
        self.size = size
        b, c, _, _ = options["colorJitter"]
        self.jitter = [(op, v) for op, v in ((0, b), (1, c)) if v > 0]  # saturation and hue: nothing to act on
        self.jitter_on = len(self.jitter) > 0 and options["colorJitterProbability"] > 0
        per_view = lambda v: [v[0], v[1] if len(v) > 1 else v[0]]
        self.blur_p = per_view(options["blurProbability"])
        self.solarize_p = per_view(options["solarizeProbability"])
        self.kernel = simclr_kernel_size(size[0])

    def __call__(self, images, rng, view):
        o = self.o
        n, _, h, w = images.shape
        boxes = sample_boxes(rng, n, h, w, o["cropScale"], o["cropRatio"])
        flips = rng.random(n) < o["flipProbability"] if o["flipProbability"] > 0 else np.zeros(n, dtype=bool)
        x = resized_crops(images, boxes, flips, self.size)
        if self.jitter_on:
            mask = rng.random(n) < o["colorJitterProbability"]
            if mask.any():
                ops = np.array([op for op, _ in self.jitter])
                orders = np.stack([ops[rng.permutation(len(ops))] for _ in range(n)])
                factors = np.zeros((n, 2))
                for op, v in self.jitter:
                    factors[:, op] = rng.uniform(max(0.0, 1 - v), 1 + v, n)
                x = where_rows(mask, jitter_grey(x, orders, factors), x)
        if self.blur_p[view] > 0:
            mask = rng.random(n) < self.blur_p[view]
            if mask.any():
                sigmas = rng.uniform(o["blurSigma"][0], o["blurSigma"][1], n)
                x = where_rows(mask, blur(x, sigmas, self.kernel), x)
        if self.solarize_p[view] > 0:
            mask = rng.random(n) < self.solarize_p[view]
            if mask.any():
                x = where_rows(mask, solarize(x), x)
        return torch.clamp(x, 0, 1)


# ---------------------------------------------------------------------------------------------------------------
# Optimizers and schedule (packages/tensors/src/optim, fit/plan.ts, preset.ts trainingFitOptions)


class Lars:
    """lars.ts: g (+ wd w) scaled by eta |w| / |g| (1 where either is 0), momentum, w -= lr v; rank <= 1 excluded."""

    def __init__(self, params, momentum, weight_decay, eta, exclude):
        self.params = list(params)
        self.momentum, self.weight_decay, self.eta, self.exclude = momentum, weight_decay, eta, exclude
        self.velocity = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, lr):
        for p, v in zip(self.params, self.velocity):
            if p.grad is None:
                continue
            g = p.grad
            adapt = not (self.exclude and p.dim() <= 1)
            if adapt:
                if self.weight_decay > 0:
                    g = g + self.weight_decay * p
                w_norm, g_norm = torch.norm(p), torch.norm(g)
                ratio = torch.where((w_norm > 0) & (g_norm > 0), self.eta * w_norm / g_norm, torch.ones_like(w_norm))
                g = g * ratio
            v.mul_(self.momentum).add_(g)
            p.sub_(lr * v)


class TorchOptimizer:
    def __init__(self, optimizer):
        self.optimizer = optimizer

    def zero_grad(self):
        self.optimizer.zero_grad(set_to_none=True)

    def step(self, lr):
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()


def make_optimizer(params, training):
    kind = training["optimizer"]
    wd = training.get("weightDecay", 0)
    if kind == "adam":
        betas = (training.get("beta1", 0.9), training.get("beta2", 0.999))
        eps = training.get("epsilon", 1e-8)
        # adam.ts: L2 added to the gradient, or (decoupled) lr * wd * w added to the update: torch's Adam and AdamW.
        cls = torch.optim.AdamW if training.get("decoupledWeightDecay", False) else torch.optim.Adam
        return TorchOptimizer(cls(params, lr=1e-3, betas=betas, eps=eps, weight_decay=wd))
    if kind == "sgd":
        momentum = training.get("momentum", 0.9)
        return TorchOptimizer(torch.optim.SGD(params, lr=1e-3, momentum=momentum, nesterov=bool(training.get("nesterov", False)) and momentum > 0, weight_decay=wd))
    if kind == "lars":
        return Lars(params, training.get("momentum", 0.9), training.get("weightDecay", 1e-6), training.get("eta", 0.001), training.get("excludeBiasAndNorm", True))
    raise TwinError(f"optimizer {kind!r} is not one of adam, sgd, lars")


def js_round(x):
    return math.floor(x + 0.5)


def learning_rate(training):
    base = training["learningRate"]
    return base * training["batchSize"] / 256 if training.get("learningRateScaling") == "linear" else base


def make_schedule(training, total_steps, steps_per_epoch):
    """fitSchedule: the lr of a (schedule) step."""
    lr = learning_rate(training)
    if training.get("warmupEpochs") is not None:
        warmup = js_round(training["warmupEpochs"] * steps_per_epoch)
    else:
        warmup = training.get("warmupSteps") or 0
    if training.get("schedule", "cosine") == "constant":
        return lambda step: lr * (step + 1) / warmup if step < warmup else lr
    warmup = min(warmup, total_steps)
    final = training.get("finalLearningRate") or 0

    def cosine(step):
        if step < warmup:
            return lr * (step + 1) / warmup
        progress = min(1, (step - warmup) / max(1, total_steps - warmup))
        return final + (lr - final) * 0.5 * (1 + math.cos(math.pi * progress))

    return cosine


def clip_by_global_norm(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.sqrt(sum(torch.sum(g * g) for g in grads))
    scale = torch.clamp(max_norm / torch.clamp(norm, min=1e-12), max=1)
    for g in grads:
        g.mul_(scale)


# ---------------------------------------------------------------------------------------------------------------
# The recipe of a selfsup run


def read_recipe(run_dir):
    path = os.path.join(run_dir, "run.json")
    with open(path) as f:
        run = json.load(f)
    config = run.get("config")
    if config is None:
        raise TwinError(f"{path} has no resolved config (written by an older selfsup pretrain?)")
    if config.get("method") != "simclr":
        raise TwinError(f"{path}: method {config.get('method')!r}; the twin reproduces simclr only")
    if config.get("arch") != "convNet":
        raise TwinError(f"{path}: arch {config.get('arch')!r}; the twin reproduces convNet only")
    if config.get("validation") is not None:
        raise TwinError(f"{path}: the run held out a validation split (--validation); the twin does not reproduce its selection")
    data = config.get("data", "")
    kind, _, arg = data.partition(":")
    if kind not in ("fashion-mnist", "idx"):
        raise TwinError(f"{path}: data {data!r}; the twin reads MNIST-format IDX data (fashion-mnist[:dir], idx:dir)")
    encoder = run.get("encoder") or {}
    encoder_config = encoder.get("config")
    saved = os.path.join(run_dir, "encoder", "model.json")
    if os.path.exists(saved):  # the saved encoder's topology, when the run has finished
        with open(saved) as f:
            topology = json.load(f)["modelTopology"]
        if encoder_config is not None and topology["config"] != encoder_config:
            raise TwinError(f"{saved}: its config differs from run.json's encoder config")
        encoder_config = topology["config"]
        if topology["architecture"] != "convNet":
            raise TwinError(f"{saved}: architecture {topology['architecture']!r}")
    if encoder_config is None:
        raise TwinError(f"{path}: no encoder config")
    return {"run": run, "config": config, "training": config["training"], "options": config["options"], "encoder": encoder_config, "dataDir": arg or None}


# ---------------------------------------------------------------------------------------------------------------
# Training


def embed(encoder, images, batch=256):
    encoder.eval()
    out = []
    with torch.no_grad():
        for i in range(0, images.shape[0], batch):
            out.append(encoder(images[i : i + batch]))
    return torch.cat(out, 0) if out else torch.zeros((0, encoder.output_dim))


def train(args):
    recipe = read_recipe(args.run)
    config, training, options = recipe["config"], recipe["training"], recipe["options"]
    seed = args.seed if args.seed is not None else config.get("seed", 0)
    limit = args.limit if args.limit is not None else config.get("limit")
    data_dir = args.data or recipe["dataDir"] or DEFAULT_DATA
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)

    train_x, train_y = load_split(data_dir, "train", limit)
    encoder = ConvNet(recipe["encoder"])
    c, h, w = train_x.shape[1:]
    expected = recipe["encoder"]["inputShape"]
    if [h, w, c] != list(expected):
        raise TwinError(f"data images are {h}x{w}x{train_x.shape[1]}, the encoder expects {expected}")
    head = ProjectionHead(encoder.output_dim, 128)
    params = list(encoder.parameters()) + list(head.parameters())
    optimizer = make_optimizer(params, training)
    views = Views(options, (h, w), c)
    temperature = options["temperature"]
    batch = training["batchSize"]
    epochs = args.epochs if args.epochs is not None else training["epochs"]
    n = train_x.shape[0]
    if batch > n:
        raise TwinError(f"batch size {batch} is more than the {n} training images")
    steps_per_epoch = n // batch
    total_steps = epochs * steps_per_epoch
    if args.max_steps is not None:
        total_steps = min(total_steps, args.max_steps)
    schedule = make_schedule(training, total_steps, steps_per_epoch)
    clip = training.get("gradientClip")
    budget = args.budget

    encoder.train()
    head.train()
    losses, lrs = [], []
    step, epoch, stopped = 0, 0, "completed"
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    used = lambda: time.process_time() - start_cpu
    last_note = start_wall
    while step < total_steps:
        order = torch.from_numpy(rng.permutation(n))
        for position in range(steps_per_epoch):
            if step >= total_steps:
                break
            images = train_x[order[position * batch : (position + 1) * batch]]
            schedule_step = step
            if budget is not None:
                schedule_step = min(total_steps - 1, max(step, math.floor(used() / budget * total_steps)))
            lr = schedule(schedule_step)
            v1, v2 = views(images, rng, 0), views(images, rng, 1)
            z = head(encoder(torch.cat([v1, v2], 0)))
            loss = nt_xent(z[:batch], z[batch:], temperature)
            optimizer.zero_grad()
            loss.backward()
            if clip is not None:
                clip_by_global_norm(params, clip)
            optimizer.step(lr)
            value = float(loss.item())
            if not math.isfinite(value):
                raise TwinError(f"step {step}: the loss is {value}")
            losses.append(value)
            lrs.append(lr)
            step += 1
            if not args.quiet and time.perf_counter() - last_note > 10:
                last_note = time.perf_counter()
                print(f"  twin step {step}: loss {value:.4f}, lr {lr:.3g}, {used():.1f} CPU-s", file=sys.stderr)
            if budget is not None and used() >= budget:
                stopped = "timeBudget"
                break
        else:
            epoch += 1
            continue
        if stopped == "timeBudget":
            break
        epoch += 1
    cpu_seconds, wall_seconds = used(), time.perf_counter() - start_wall

    # Features: the backbone's output in eval mode, for the images `selfsup eval --limit` would probe.
    test_x, test_y = load_split(data_dir, "test", limit)
    started = time.process_time()
    train_features = embed(encoder, train_x).numpy().astype("<f4")
    test_features = embed(encoder, test_x).numpy().astype("<f4")
    embed_cpu = time.process_time() - started

    os.makedirs(args.out, exist_ok=True)
    files = {
        "train-features.f32": train_features,
        "test-features.f32": test_features,
        "train-labels.i32": train_y.astype("<i4"),
        "test-labels.i32": test_y.astype("<i4"),
    }
    for name, array in files.items():
        array.tofile(os.path.join(args.out, name))
    dim = int(train_features.shape[1])
    with open(os.path.join(args.out, "features.json"), "w") as f:
        json.dump(
            {
                "format": "selfsup-twin-features",
                "dtype": "float32-le",
                "dim": dim,
                "numClasses": int(max(train_y.max(), test_y.max()) + 1),
                "layer": "embedding",
                "train": {"name": f"fashion-mnist/train{f'[:{limit}]' if limit else ''}", "size": int(train_features.shape[0]), "features": "train-features.f32", "labels": "train-labels.i32"},
                "test": {"name": f"fashion-mnist/test{f'[:{limit}]' if limit else ''}", "size": int(test_features.shape[0]), "features": "test-features.f32", "labels": "test-labels.i32"},
            },
            f,
            indent=2,
        )
    result = {
        "peer": "pytorch-twin",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "run": os.path.abspath(args.run),
        "seed": seed,
        "data": data_dir,
        "limit": limit,
        "trainImages": n,
        "budgetSeconds": budget,
        "budgetClock": "cpu",
        "steps": step,
        "epochs": epoch,
        "plannedSteps": total_steps,
        "stoppedBy": stopped,
        "cpuSeconds": cpu_seconds,
        "wallSeconds": wall_seconds,
        "embedCpuSeconds": embed_cpu,
        "finalLoss": losses[-1] if losses else None,
        "meanLossLast10": float(np.mean(losses[-10:])) if losses else None,
        "parameters": {"encoder": count_parameters(encoder), "head": count_parameters(head)},
        "encoder": recipe["encoder"],
        "training": training,
        "options": options,
        "losses": losses,
        "learningRates": lrs,
    }
    with open(os.path.join(args.out, "twin.json"), "w") as f:
        json.dump(result, f, indent=2)
    summary = {k: result[k] for k in ("steps", "cpuSeconds", "wallSeconds", "finalLoss", "stoppedBy", "parameters")}
    print(json.dumps(summary))


# ---------------------------------------------------------------------------------------------------------------
# Self-check against numbers selfsup computed (bench/peers/check_twin.mjs)


def load_checkpoint(directory):
    """A selfsup checkpoint (model.json + weights.bin): {name: numpy array}."""
    with open(os.path.join(directory, "model.json")) as f:
        model = json.load(f)
    out = {}
    for group in model["weightsManifest"]:
        raw = b"".join(open(os.path.join(directory, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            size = int(np.prod(spec["shape"])) if spec["shape"] else 1
            out[spec["name"]] = np.frombuffer(raw, dtype="<f4", count=size, offset=offset).reshape(spec["shape"])
            offset += 4 * size
    return model["modelTopology"], out


def load_convnet(topology, weights):
    encoder = ConvNet(topology["config"])
    convs = [m for m in encoder.body if isinstance(m, nn.Conv2d)]
    norms = [m for m in encoder.body if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))]
    with torch.no_grad():
        for i, conv in enumerate(convs):
            conv.weight.copy_(torch.from_numpy(weights[f"block{i}/conv/kernel"].copy()).permute(3, 2, 0, 1))
            if conv.bias is not None:
                conv.bias.copy_(torch.from_numpy(weights[f"block{i}/conv/bias"].copy()))
        for i, norm in enumerate(norms):
            prefix = f"block{i}/bn" if isinstance(norm, nn.BatchNorm2d) else f"block{i}/gn"
            norm.weight.copy_(torch.from_numpy(weights[f"{prefix}/gamma"].copy()))
            norm.bias.copy_(torch.from_numpy(weights[f"{prefix}/beta"].copy()))
            if isinstance(norm, nn.BatchNorm2d):
                norm.running_mean.copy_(torch.from_numpy(weights[f"{prefix}/runningMean"].copy()))
                norm.running_var.copy_(torch.from_numpy(weights[f"{prefix}/runningVar"].copy()))
        if encoder.output is not None:
            encoder.output.weight.copy_(torch.from_numpy(weights["output/kernel"].copy()).t())
            encoder.output.bias.copy_(torch.from_numpy(weights["output/bias"].copy()))
    return encoder


def nhwc_to_nchw(flat, shape):
    return torch.from_numpy(np.asarray(flat, dtype=np.float32).reshape(shape)).permute(0, 3, 1, 2).contiguous()


def max_diff(ours, theirs):
    a = np.asarray(ours, dtype=np.float64).ravel()
    b = np.asarray(theirs, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def pixel_stats(x):
    """Per-image mean pixel, pixel spread and share of pixels > 0.5, each as { mean, se } over the images."""
    per_image = x.reshape(x.shape[0], -1).double()
    means = per_image.mean(dim=1)
    values = {"mean": means, "imageStd": torch.sqrt(((per_image - means[:, None]) ** 2).mean(dim=1)), "bright": (per_image > 0.5).double().mean(dim=1)}
    return {k: {"mean": float(v.mean()), "se": float(v.std() / math.sqrt(v.numel()))} for k, v in values.items()}


def self_check(path):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    with open(path) as f:
        ex = json.load(f)
    report = {}
    # Parameter counts of the same encoder config + head.
    encoder = ConvNet(ex["encoderConfig"])
    head = ProjectionHead(encoder.output_dim, 128)
    report["parameters"] = {"encoder": count_parameters(encoder), "head": count_parameters(head)}
    # NT-Xent on fixed embeddings.
    report["ntXent"] = []
    for case in ex["ntXent"]:
        z1 = torch.tensor(case["z1"], dtype=torch.float32)
        z2 = torch.tensor(case["z2"], dtype=torch.float32)
        loss = float(nt_xent(z1, z2, case["temperature"]).item())
        report["ntXent"].append({"temperature": case["temperature"], "loss": loss, "selfsup": case["loss"], "absDiff": abs(loss - case["loss"])})
    # The view operations on fixed parameters.
    v = ex["views"]
    shape = v["shape"]  # NHWC
    images = nhwc_to_nchw(v["images"], shape)
    to_nhwc = lambda t: t.permute(0, 2, 3, 1).contiguous().numpy()
    boxes = np.array([[b["top"], b["left"], b["height"], b["width"]] for b in v["boxes"]], dtype=np.float64)
    crops = resized_crops(images, boxes, np.array(v["flips"]), tuple(v["size"]))
    report["crop"] = {"maxAbsDiff": max_diff(to_nhwc(crops), v["crop"])}
    sigmas = np.array(v["sigmas"])
    report["blur"] = {"maxAbsDiff": max_diff(to_nhwc(blur(images, sigmas, v["kernelSize"])), v["blur"]), "kernelSize": simclr_kernel_size(shape[1])}
    report["blur7"] = {"maxAbsDiff": max_diff(to_nhwc(blur(images, sigmas, 7)), v["blur7"])}
    n = shape[0]
    ones = np.ones((n, 1), dtype=np.int64)
    bright = jitter_grey(images, 0 * ones, np.stack([np.array(v["brightness"]), np.zeros(n)], 1))
    contrast = jitter_grey(images, ones, np.stack([np.zeros(n), np.array(v["contrast"])], 1))
    report["brightness"] = {"maxAbsDiff": max_diff(to_nhwc(bright), v["brightnessOut"])}
    report["contrast"] = {"maxAbsDiff": max_diff(to_nhwc(contrast), v["contrastOut"])}
    report["solarize"] = {"maxAbsDiff": max_diff(to_nhwc(solarize(images)), v["solarizeOut"])}
    # Crop boxes: the same distribution (moments of 4000 boxes each).
    rng = np.random.default_rng(0)
    ours = sample_boxes(rng, 4000, shape[1], shape[2], v["cropScale"], v["cropRatio"])
    area = ours[:, 2] * ours[:, 3] / (shape[1] * shape[2])
    ratio = ours[:, 3] / ours[:, 2]
    report["cropBoxMoments"] = {"twin": {"area": float(area.mean()), "ratio": float(ratio.mean()), "top": float(ours[:, 0].mean())}, "selfsup": v["boxMoments"]}
    # Both random views of the same images: pixel statistics.
    vi = ex["viewImages"]
    train_x, _ = load_split(vi["dir"], "train", vi["count"])
    views = Views(ex["viewOptions"], tuple(train_x.shape[2:]), train_x.shape[1])
    report["viewStats"] = [pixel_stats(views(train_x, rng, i)) for i in (0, 1)]
    # The schedules fit followed.
    report["schedules"] = []
    for s in ex["schedules"]:
        schedule = make_schedule(s["training"], s["totalSteps"], s["stepsPerEpoch"])
        report["schedules"].append({"maxAbsDiff": max_diff([schedule(k) for k in s["steps"]], s["lrs"])})
    # A trained selfsup encoder's embeddings, recomputed here from its checkpoint.
    e = ex.get("embedding")
    if e is not None:
        topology, weights = load_checkpoint(e["encoderDir"])
        enc = load_convnet(topology, weights).eval()
        with torch.no_grad():
            ours = enc(nhwc_to_nchw(e["images"], e["shape"])).numpy()
        theirs = np.asarray(e["embeddings"], dtype=np.float64)
        report["embedding"] = {"maxAbsDiff": max_diff(ours, theirs), "maxAbs": float(np.max(np.abs(theirs)))}
    print(json.dumps(report))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", help="a selfsup pretrain run directory (its run.json gives the recipe)")
    parser.add_argument("--budget", type=float, help="CPU seconds of training (the schedule follows the clock); default: the planned epochs")
    parser.add_argument("--seed", type=int, help="default: the run's seed")
    parser.add_argument("--data", help=f"directory of the MNIST-format IDX files (default: the run's, else {DEFAULT_DATA})")
    parser.add_argument("--limit", type=int, help="use only the first n images of each split (default: the run's limit)")
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs (planned steps of the schedule)")
    parser.add_argument("--max-steps", type=int, help="stop after this many steps (debugging)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="where the features and twin.json go")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--self-check", metavar="EXCHANGE", help="compare with the numbers bench/peers/check_twin.mjs computed with selfsup")
    args = parser.parse_args()
    try:
        if args.self_check:
            self_check(args.self_check)
        else:
            if args.run is None or args.out is None:
                parser.error("--run and --out are required")
            train(args)
    except TwinError as error:
        print(json.dumps({"error": str(error)}))
        print(f"simclr_twin: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
