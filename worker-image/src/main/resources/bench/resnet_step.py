"""The PyTorch reference for `dgan bench step --model resnet-wgan-gp`: the WGAN-GP ResNet of Gulrajani et al. 2017
(gan_cifar_resnet.py: 32x32x3, width 128, G with batch norm, critic without) and the same simultaneous step as
dcgan_step.py (G and D gradients on one minibatch, Adam on both), without and with the gradient penalty.
Prints one JSON object: {"torch": version, "threads": n, "paramsG": .., "paramsD": .., "msStep": .., "msStepGp": ..,
"cpuMsStep": .., "cpuMsStepGp": .., "samples": {"step": {"ms": [...], "cpuMs": [...]}, "stepGp": {...}}}."""
import json
import platform
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

batch, iterations, warmup, threads = (int(a) for a in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)
W = 128


class Block(nn.Module):
    def __init__(self, kind, bn):
        super().__init__()
        self.kind = kind
        self.bn1 = nn.BatchNorm2d(W) if bn else nn.Identity()
        self.bn2 = nn.BatchNorm2d(W) if bn else nn.Identity()
        self.c1 = nn.Conv2d(3 if kind == "first" else W, W, 3, 1, 1)
        self.c2 = nn.Conv2d(W, W, 3, 1, 1)
        self.sc = None if kind == "none" else nn.Conv2d(3 if kind == "first" else W, W, 1)

    def forward(self, x):
        if self.kind == "first":
            h = F.avg_pool2d(self.c2(F.relu(self.c1(x))), 2)
            return h + self.sc(F.avg_pool2d(x, 2))
        h = F.relu(self.bn1(x))
        if self.kind == "up":
            h = F.interpolate(h, scale_factor=2)
        h = self.c2(F.relu(self.bn2(self.c1(h))))
        if self.kind == "up":
            return h + self.sc(F.interpolate(x, scale_factor=2))
        if self.kind == "down":
            return F.avg_pool2d(h, 2) + self.sc(F.avg_pool2d(x, 2))
        return h + x


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(128, 4 * 4 * W)
        self.blocks = nn.Sequential(Block("up", True), Block("up", True), Block("up", True))
        self.bn = nn.BatchNorm2d(W)
        self.out = nn.Conv2d(W, 3, 3, 1, 1)

    def forward(self, z):
        return torch.tanh(self.out(F.relu(self.bn(self.blocks(self.lin(z).view(-1, W, 4, 4))))))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block("first", False), Block("down", False), Block("none", False),
                                    Block("none", False))
        self.lin = nn.Linear(W, 1)

    def forward(self, x):
        return self.lin(F.relu(self.blocks(x)).mean(dim=(2, 3)))


G, D = Gen(), Critic()
opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
real = torch.rand(batch, 3, 32, 32) * 2 - 1


def step(gp):
    z = torch.randn(batch, 128)
    fake = G(z)
    loss_g = -D(fake).mean()
    opt_g.zero_grad()
    loss_g.backward()
    fake = fake.detach()
    loss_d = D(fake).mean() - D(real).mean()
    if gp:
        u = torch.rand(batch, 1, 1, 1)
        xhat = (u * real + (1 - u) * fake).requires_grad_(True)
        g, = torch.autograd.grad(D(xhat).sum(), xhat, create_graph=True)
        loss_d = loss_d + 10 * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()
    opt_d.zero_grad()
    loss_d.backward()
    opt_g.step()
    opt_d.step()


def timed(gp):
    """Per-step wall and process CPU times (ms) of `iterations` steps after `warmup` untimed ones."""
    for _ in range(warmup):
        step(gp)
    times, cpu = [], []
    for _ in range(iterations):
        c = time.process_time()
        t = time.perf_counter()
        step(gp)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return times, cpu


def median(xs):
    return sorted(xs)[len(xs) // 2]


plain, with_gp = timed(False), timed(True)
print(json.dumps({"torch": torch.__version__, "python": platform.python_version(), "threads": threads,
                  "interopThreads": torch.get_num_interop_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
                  "paramsG": sum(p.numel() for p in G.parameters()),
                  "paramsD": sum(p.numel() for p in D.parameters()),
                  "msStep": median(plain[0]), "msStepGp": median(with_gp[0]),
                  "cpuMsStep": median(plain[1]), "cpuMsStepGp": median(with_gp[1]),
                  "samples": {"step": {"ms": plain[0], "cpuMs": plain[1]},
                              "stepGp": {"ms": with_gp[0], "cpuMs": with_gp[1]}}}))
