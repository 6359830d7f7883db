"""The PyTorch reference for `dgan bench step`: the same DCGAN (28x28x1, width 64, batch norm in G, none in D) and the same
simultaneous step (G and D gradients on one minibatch, Adam on both), without and with the WGAN gradient penalty.
Prints one JSON object: {"torch": version, "python": version, "threads": n, "msStep": ..., "msStepGp": ...,
"cpuMsStep": ..., "cpuMsStepGp": ..., "samples": {"step": {"ms": [...], "cpuMs": [...]}, "stepGp": {...}}}
(medians, then every timed step's wall and process CPU time)."""
import json
import platform
import sys
import time

import torch
import torch.nn as nn

batch, iterations, warmup, threads = (int(a) for a in sys.argv[1:5])
device = torch.device(sys.argv[5] if len(sys.argv) > 5 else "cpu")  # "cuda": the GPU reference (not used by dgan)
torch.set_num_threads(threads)
torch.manual_seed(0)

G = nn.Sequential(nn.Linear(100, 7 * 7 * 128), nn.Unflatten(1, (128, 7, 7)), nn.BatchNorm2d(128), nn.ReLU(),
                  nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                  nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
G.to(device)
D.to(device)
opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
real = torch.rand(batch, 1, 28, 28, device=device) * 2 - 1


def step(gp):
    z = torch.randn(batch, 100, device=device)
    fake = G(z)
    loss_g = -D(fake).mean()
    opt_g.zero_grad()
    loss_g.backward()
    fake = fake.detach()
    loss_d = D(fake).mean() - D(real).mean()
    if gp:
        u = torch.rand(batch, 1, 1, 1, device=device)
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
    if device.type == "cuda":
        torch.cuda.synchronize()
    times, cpu = [], []
    for _ in range(iterations):
        c = time.process_time()
        t = time.perf_counter()
        step(gp)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return times, cpu


def median(xs):
    return sorted(xs)[len(xs) // 2]


plain, with_gp = timed(False), timed(True)
print(json.dumps({"torch": torch.__version__, "python": platform.python_version(), "threads": threads,
                  "interopThreads": torch.get_num_interop_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
                  "device": str(device),
                  "msStep": median(plain[0]), "msStepGp": median(with_gp[0]),
                  "cpuMsStep": median(plain[1]), "cpuMsStepGp": median(with_gp[1]),
                  "samples": {"step": {"ms": plain[0], "cpuMs": plain[1]},
                              "stepGp": {"ms": with_gp[0], "cpuMs": with_gp[1]}}}))
