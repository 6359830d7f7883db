"""The PyTorch reference for `dgan bench step`: the same DCGAN (28x28x1, width 64, batch norm in G, none in D; G had
no batch norm before session 3) and the same
simultaneous step (G and D gradients on one minibatch, Adam on both), without and with the WGAN gradient penalty.
Prints one JSON object: {"torch": version, "threads": n, "msStep": ..., "msStepGp": ..., "cpuMsStep": ...,
"cpuMsStepGp": ...} (medians of wall time and of process CPU time per step)."""
import json
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


def median_ms(gp):
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
    times.sort()
    cpu.sort()
    return times[len(times) // 2], cpu[len(cpu) // 2]


plain, with_gp = median_ms(False), median_ms(True)
print(json.dumps({"torch": torch.__version__, "threads": threads, "device": str(device),
                  "msStep": plain[0], "msStepGp": with_gp[0], "cpuMsStep": plain[1], "cpuMsStepGp": with_gp[1]}))
